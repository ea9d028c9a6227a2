package dev.dycoke4j.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.tensor.DType;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Writes a safetensors file from float or long arrays, converting to the requested dtype (F32, BF16 with
 * round-to-nearest-even, F16, I64). Used for generated checkpoints (demo, bench) and {@code dycoke trace}. The file
 * is written beside the target and renamed into place, so a reader never sees half a file.
 */
public final class SafetensorsWriter {
    private record Entry(String name, DType dtype, long[] shape, Supplier<float[]> floats, long[] longs, byte[] bytes, MemorySegment raw) {
        long byteSize() {
            long n = 1;
            for (long d : shape) n *= d;
            return n * dtype.bytes;
        }
    }

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    public SafetensorsWriter add(String name, DType dtype, float[] values, long... shape) {
        return addLazy(name, dtype, () -> values, shape);
    }

    /** A float tensor whose values are made only when the file is written, so big checkpoints never sit in memory whole. */
    public SafetensorsWriter addLazy(String name, DType dtype, Supplier<float[]> values, long... shape) {
        if (dtype != DType.F32 && dtype != DType.BF16 && dtype != DType.F16)
            throw new IllegalArgumentException(dtype + " is not a float dtype");
        entries.add(new Entry(name, dtype, shape, values, null, null, null));
        return this;
    }

    public SafetensorsWriter addLongs(String name, long[] values, long... shape) {
        entries.add(new Entry(name, DType.I64, shape, null, values, null, null));
        return this;
    }

    public SafetensorsWriter addBytes(String name, byte[] values, long... shape) {
        entries.add(new Entry(name, DType.U8, shape, null, null, values, null));
        return this;
    }

    /** Raw little-endian bytes of any dtype (I8 quants, F32 scales) copied as they are from {@code data}. */
    public SafetensorsWriter addSegment(String name, DType dtype, MemorySegment data, long... shape) {
        Entry e = new Entry(name, dtype, shape, null, null, null, data);
        if (e.byteSize() != data.byteSize())
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes for " + e.byteSize() + " of " + dtype);
        entries.add(e);
        return this;
    }

    /** A string in the header's {@code __metadata__} (beside {@code format: pt}). */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Writes the file; a crash or error midway leaves no file at {@code file} (the temporary is removed on error). */
    public void write(Path file) {
        ObjectNode header = new ObjectMapper().createObjectNode();
        ObjectNode meta = header.putObject("__metadata__").put("format", "pt");
        metadata.forEach(meta::put);
        long off = 0;
        for (Entry e : entries) {
            ObjectNode t = header.putObject(e.name);
            t.put("dtype", e.dtype.name());
            var shape = t.putArray("shape");
            for (long d : e.shape) shape.add(d);
            t.putArray("data_offsets").add(off).add(off + e.byteSize());
            off += e.byteSize();
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int pad = (8 - json.length % 8) % 8;
        Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            if (file.getParent() != null) Files.createDirectories(file.getParent());
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length + pad);
                out.write(len.array());
                out.write(json);
                for (int i = 0; i < pad; i++) out.write(' ');
                for (Entry e : entries) writeData(out, e);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the write already failed; that error is the one to report
            }
            throw new UncheckedIOException(file + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    private static void writeData(OutputStream out, Entry e) throws IOException {
        if (e.raw != null) {
            for (long o = 0; o < e.raw.byteSize(); o += 1 << 20)
                out.write(e.raw.asSlice(o, Math.min(1 << 20, e.raw.byteSize() - o)).toArray(ValueLayout.JAVA_BYTE));
            return;
        }
        if (e.bytes != null) {
            out.write(e.bytes);
            return;
        }
        float[] floats = e.floats != null ? e.floats.get() : null;
        int n = floats != null ? floats.length : e.longs.length;
        if ((long) n * e.dtype.bytes != e.byteSize())
            throw new IllegalStateException(e.name + ": " + n + " values for " + e.byteSize() + " bytes of " + e.dtype);
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            if (buf.remaining() < 8) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            switch (e.dtype) {
                case F32 -> buf.putFloat(floats[i]);
                case BF16 -> buf.putShort(toBf16(floats[i]));
                case F16 -> buf.putShort(Float.floatToFloat16(floats[i]));
                case I64 -> buf.putLong(e.longs[i]);
                default -> throw new IllegalStateException(e.dtype.name());
            }
        }
        out.write(buf.array(), 0, buf.position());
    }

    /** float32 to bfloat16 with round-to-nearest-even (NaN stays NaN). */
    public static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
