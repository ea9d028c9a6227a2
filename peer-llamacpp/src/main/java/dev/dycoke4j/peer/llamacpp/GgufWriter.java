package dev.dycoke4j.peer.llamacpp;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF (version 3) file as ggml's {@code docs/gguf.md} describes it: the header ({@code GGUF}, version, tensor and
 * metadata counts), the metadata key-value pairs, the tensor infos (name, dimensions innermost first, ggml type, offset
 * into the data), padding to {@link #ALIGNMENT}, then each tensor's data at its aligned offset. Little-endian
 * throughout. Tensors are written in F32, F16 or {@link Q80 Q8_0}, one row (innermost dimension) at a time from a
 * {@link Rows} source, so that no whole tensor is held twice.
 */
final class GgufWriter {
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
    static final int VERSION = 3;
    /** {@code general.alignment}'s default; the data section and every tensor's offset are multiples of it. */
    static final int ALIGNMENT = 32;

    /** ggml tensor types used here, with their ids in {@code ggml_type}. */
    enum Type {
        F32(0), F16(1), Q8_0(8);

        final int id;

        Type(int id) {
            this.id = id;
        }

        long bytes(long elements) {
            return switch (this) {
                case F32 -> 4 * elements;
                case F16 -> 2 * elements;
                case Q8_0 -> elements / Q80.BLOCK * Q80.BLOCK_BYTES;
            };
        }
    }

    /** GGUF metadata value types ({@code gguf_metadata_value_type}). */
    static final int UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7, STRING = 8, ARRAY = 9;

    /** Row {@code r} of a tensor, as floats, into {@code dst} (length: the innermost dimension). */
    @FunctionalInterface
    interface Rows {
        void row(long r, float[] dst);
    }

    private record Value(int type, Object value) {
    }

    private record TensorSpec(String name, long[] ne, Type type, Rows rows) {
        long rowCount() {
            long n = 1;
            for (int i = 1; i < ne.length; i++) n *= ne[i];
            return n;
        }

        long bytes() {
            return type.bytes(ne[0] * rowCount());
        }
    }

    private final Map<String, Value> metadata = new LinkedHashMap<>();
    private final List<TensorSpec> tensors = new ArrayList<>();

    GgufWriter putString(String key, String v) {
        metadata.put(key, new Value(STRING, v));
        return this;
    }

    GgufWriter putUint32(String key, long v) {
        metadata.put(key, new Value(UINT32, v));
        return this;
    }

    GgufWriter putFloat32(String key, float v) {
        metadata.put(key, new Value(FLOAT32, v));
        return this;
    }

    GgufWriter putBool(String key, boolean v) {
        metadata.put(key, new Value(BOOL, v));
        return this;
    }

    GgufWriter putStrings(String key, List<String> v) {
        metadata.put(key, new Value(ARRAY, new Array(STRING, v)));
        return this;
    }

    GgufWriter putInt32s(String key, int[] v) {
        metadata.put(key, new Value(ARRAY, new Array(INT32, v)));
        return this;
    }

    private record Array(int type, Object values) {
    }

    /**
     * Adds a tensor of ggml dimensions {@code ne} (innermost first: a PyTorch {@code [out, in]} weight is
     * {@code {in, out}}), stored as {@code type}. Q8_0 needs an innermost dimension that is a multiple of 32.
     */
    GgufWriter addTensor(String name, long[] ne, Type type, Rows rows) {
        if (type == Type.Q8_0 && ne[0] % Q80.BLOCK != 0)
            throw new IllegalArgumentException(name + ": Q8_0 needs rows of a multiple of 32 values, not " + ne[0]);
        if (ne[0] > Integer.MAX_VALUE) throw new IllegalArgumentException(name + ": rows of " + ne[0] + " values are too long");
        tensors.add(new TensorSpec(name, ne.clone(), type, rows));
        return this;
    }

    static long align(long offset) {
        return (offset + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    /** Writes the file (replacing {@code file}). */
    void write(Path file) throws IOException {
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            Out out = new Out(os);
            out.u32(MAGIC).u32(VERSION).u64(tensors.size()).u64(metadata.size());
            for (var e : metadata.entrySet()) {
                out.str(e.getKey()).u32(e.getValue().type());
                value(out, e.getValue().type(), e.getValue().value());
            }
            long offset = 0;
            for (TensorSpec t : tensors) {
                out.str(t.name()).u32(t.ne().length);
                for (long d : t.ne()) out.u64(d);
                out.u32(t.type().id).u64(offset);
                offset = align(offset + t.bytes());
            }
            out.pad();
            long dataStart = out.written;
            for (TensorSpec t : tensors) {
                data(out, t);
                out.padTo(dataStart);
            }
        }
    }

    private static void value(Out out, int type, Object v) throws IOException {
        switch (type) {
            case UINT32, INT32 -> out.u32(((Number) v).intValue());
            case FLOAT32 -> out.f32((Float) v);
            case BOOL -> out.u8((Boolean) v ? 1 : 0);
            case STRING -> out.str((String) v);
            case ARRAY -> {
                Array a = (Array) v;
                out.u32(a.type());
                if (a.values() instanceof int[] ints) {
                    out.u64(ints.length);
                    for (int i : ints) out.u32(i);
                } else {
                    List<?> list = (List<?>) a.values();
                    out.u64(list.size());
                    for (Object o : list) out.str((String) o);
                }
            }
            default -> throw new IllegalStateException("metadata type " + type);
        }
    }

    private static void data(Out out, TensorSpec t) throws IOException {
        int n = (int) t.ne()[0];
        float[] row = new float[n];
        ByteBuffer buf = ByteBuffer.allocate((int) t.type().bytes(n)).order(ByteOrder.LITTLE_ENDIAN);
        for (long r = 0, rows = t.rowCount(); r < rows; r++) {
            t.rows().row(r, row);
            buf.clear();
            switch (t.type()) {
                case F32 -> {
                    for (float v : row) buf.putFloat(v);
                }
                case F16 -> {
                    for (float v : row) buf.putShort(Float.floatToFloat16(v));
                }
                case Q8_0 -> Q80.quantize(row, 0, n, buf);
            }
            out.bytes(buf.array(), buf.position());
        }
    }

    /** Little-endian output that counts what it wrote, for the alignment. */
    private static final class Out {
        private final OutputStream os;
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        long written;

        Out(OutputStream os) {
            this.os = os;
        }

        Out u8(int v) throws IOException {
            os.write(v);
            written++;
            return this;
        }

        Out u32(int v) throws IOException {
            scratch.clear();
            scratch.putInt(v);
            return bytes(scratch.array(), 4);
        }

        Out u64(long v) throws IOException {
            scratch.clear();
            scratch.putLong(v);
            return bytes(scratch.array(), 8);
        }

        Out f32(float v) throws IOException {
            return u32(Float.floatToRawIntBits(v));
        }

        /** A GGUF string: its UTF-8 length as a uint64, then the bytes (no terminator). */
        Out str(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            return bytes(b, b.length);
        }

        Out bytes(byte[] b, int n) throws IOException {
            os.write(b, 0, n);
            written += n;
            return this;
        }

        void pad() throws IOException {
            padTo(0);
        }

        /** Zeros up to the next multiple of the alignment counted from {@code base}. */
        void padTo(long base) throws IOException {
            long rel = written - base;
            for (long i = rel; i < align(rel); i++) u8(0);
        }
    }
}
