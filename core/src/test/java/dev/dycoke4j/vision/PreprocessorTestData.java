package dev.dycoke4j.vision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Test-only access to the shared oracle: where it is, and a minimal safetensors reader (8-byte little-endian header
 * length, JSON header, raw little-endian data). The real loader lives in {@code dev.dycoke4j.io}.
 */
final class PreprocessorTestData {
    private PreprocessorTestData() {
    }

    /** {@code shared/oracle}: from -Ddycoke.shared or $DYCOKE_SHARED, else the first {@code shared} beside a parent folder. */
    static Path oracle() {
        String explicit = System.getProperty("dycoke.shared", System.getenv("DYCOKE_SHARED"));
        if (explicit != null) return Path.of(explicit, "oracle");
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared").resolve("oracle");
            if (Files.isDirectory(candidate)) return candidate;
        }
        throw new IllegalStateException("shared/oracle not found above " + Path.of("").toAbsolutePath()
                + " (set -Ddycoke.shared=/path/to/shared)");
    }

    record Tensor(String dtype, long[] shape, ByteBuffer data) {
        byte[] u8() {
            if (!dtype.equals("U8")) throw new IllegalStateException("dtype " + dtype);
            byte[] b = new byte[data.remaining()];
            data.duplicate().get(b);
            return b;
        }

        float[] f32() {
            if (!dtype.equals("F32")) throw new IllegalStateException("dtype " + dtype);
            float[] f = new float[data.remaining() / 4];
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
            return f;
        }

        long[] i64() {
            if (!dtype.equals("I64")) throw new IllegalStateException("dtype " + dtype);
            long[] l = new long[data.remaining() / 8];
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(l);
            return l;
        }
    }

    static Map<String, Tensor> readSafetensors(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer buf = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = buf.getLong(0);
        JsonNode header = new ObjectMapper().readTree(new String(all, 8, (int) headerLen, StandardCharsets.UTF_8));
        int base = 8 + (int) headerLen;
        Map<String, Tensor> out = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : header.properties()) {
            if (e.getKey().equals("__metadata__")) continue;
            JsonNode t = e.getValue();
            long[] shape = new long[t.get("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = t.get("shape").get(i).longValue();
            int start = t.get("data_offsets").get(0).intValue(), end = t.get("data_offsets").get(1).intValue();
            out.put(e.getKey(), new Tensor(t.get("dtype").textValue(), shape, ByteBuffer.wrap(all, base + start, end - start).slice()));
        }
        return out;
    }
}
