package dev.dycoke4j.peer.llamacpp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A tiny GGUF reader for the tests, written from ggml's {@code docs/gguf.md} and not from {@link GgufWriter}: the
 * header, every metadata value (arrays as lists), the tensor infos, and each tensor's bytes at
 * {@code data start + offset}, where the data start is the end of the infos rounded up to the alignment.
 */
record GgufReader(int version, Map<String, Object> metadata, Map<String, Info> tensors, long dataStart, ByteBuffer file) {
    record Info(String name, long[] ne, int type, long offset) {
    }

    static GgufReader read(Path path) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[4];
        b.get(magic);
        assertEquals("GGUF", new String(magic, StandardCharsets.US_ASCII));
        int version = b.getInt();
        long nTensors = b.getLong(), nKv = b.getLong();
        Map<String, Object> md = new LinkedHashMap<>();
        for (long i = 0; i < nKv; i++) {
            String key = string(b);
            md.put(key, value(b, b.getInt()));
        }
        Map<String, Info> tensors = new LinkedHashMap<>();
        for (long i = 0; i < nTensors; i++) {
            String name = string(b);
            long[] ne = new long[b.getInt()];
            for (int d = 0; d < ne.length; d++) ne[d] = b.getLong();
            tensors.put(name, new Info(name, ne, b.getInt(), b.getLong()));
        }
        long align = md.containsKey("general.alignment") ? ((Number) md.get("general.alignment")).longValue() : 32;
        long start = (b.position() + align - 1) / align * align;
        for (long p = b.position(); p < start; p++) assertEquals(0, b.get(), "padding before the data must be zeros");
        return new GgufReader(version, md, tensors, start, b);
    }

    /** The {@code n} bytes of a tensor. */
    ByteBuffer data(String name, long n) {
        Info t = tensors.get(name);
        return file.slice((int) (dataStart + t.offset()), (int) n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static String string(ByteBuffer b) {
        byte[] s = new byte[(int) b.getLong()];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static Object value(ByteBuffer b, int type) {
        return switch (type) {
            case 0 -> b.get() & 0xff;
            case 1 -> b.get();
            case 2 -> b.getShort() & 0xffff;
            case 3 -> b.getShort();
            case 4 -> Integer.toUnsignedLong(b.getInt());
            case 5 -> b.getInt();
            case 6 -> b.getFloat();
            case 7 -> b.get() != 0;
            case 8 -> string(b);
            case 9 -> {
                int t = b.getInt();
                long n = b.getLong();
                List<Object> l = new ArrayList<>();
                for (long i = 0; i < n; i++) l.add(value(b, t));
                yield l;
            }
            case 10 -> b.getLong();
            case 11 -> b.getLong();
            case 12 -> b.getDouble();
            default -> throw new IllegalStateException("unknown GGUF value type " + type);
        };
    }
}
