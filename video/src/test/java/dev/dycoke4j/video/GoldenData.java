package dev.dycoke4j.video;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Test-only access to {@code shared/oracle}, with a minimal safetensors reader (the real one is in core's io). */
final class GoldenData {
    private GoldenData() {
    }

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

    /** The raw bytes of one tensor, and its dtype and shape. */
    record Tensor(String dtype, long[] shape, byte[] data) {
        long[] i64() {
            long[] l = new long[data.length / 8];
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(l);
            return l;
        }
    }

    static Tensor read(Path file, String name) throws IOException {
        byte[] all = Files.readAllBytes(file);
        long headerLen = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        JsonNode t = new ObjectMapper().readTree(new String(all, 8, (int) headerLen, StandardCharsets.UTF_8)).get(name);
        if (t == null) throw new IllegalArgumentException(file + " has no tensor " + name);
        long[] shape = new long[t.get("shape").size()];
        for (int i = 0; i < shape.length; i++) shape[i] = t.get("shape").get(i).longValue();
        int base = 8 + (int) headerLen;
        int start = t.get("data_offsets").get(0).intValue(), end = t.get("data_offsets").get(1).intValue();
        return new Tensor(t.get("dtype").textValue(), shape, Arrays.copyOfRange(all, base + start, base + end));
    }
}
