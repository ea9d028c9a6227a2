package dev.dycoke4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A named, typed, shaped view over memory (usually a slice of a memory-mapped safetensors file). Row-major,
 * little-endian. Every read goes through the bounds-checked {@link MemorySegment}, so nothing can read outside it.
 */
public final class Tensor {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final String name;
    private final DType dtype;
    private final long[] shape;
    private final MemorySegment data;
    /** The file mapping behind data, whose pages {@link #releasePages} gives back; null when data is not mapped. */
    private final MemorySegment pages;

    public Tensor(String name, DType dtype, long[] shape, MemorySegment data) {
        this(name, dtype, shape, data, data.isMapped() ? data : null);
    }

    /**
     * A tensor over {@code data} whose bytes are those of the file mapping {@code pages} (same address and size), or
     * null: a reader of mapped files hands the kernels plain native segments (see {@code Safetensors}) and keeps the
     * mapping here, for {@link #releasePages}.
     */
    public Tensor(String name, DType dtype, long[] shape, MemorySegment data, MemorySegment pages) {
        if (pages != null && (!pages.isMapped() || pages.address() != data.address() || pages.byteSize() != data.byteSize()))
            throw new IllegalArgumentException(name + ": the mapped pages are not the data's bytes");
        this.name = name;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.data = data;
        this.pages = pages;
        long want = numel(shape) * dtype.bytes;
        if (data.byteSize() != want)
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes for shape " + Arrays.toString(shape) + " of " + dtype);
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    public String name() {
        return name;
    }

    public DType dtype() {
        return dtype;
    }

    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int i) {
        return Math.toIntExact(shape[i < 0 ? shape.length + i : i]);
    }

    public long numel() {
        return numel(shape);
    }

    public MemorySegment segment() {
        return data;
    }

    public long byteSize() {
        return data.byteSize();
    }

    /**
     * Lets the operating system drop this tensor's pages when it was read from a mapped file and its bytes are no
     * longer needed resident (a later read faults them back in from the page cache); nothing otherwise.
     */
    public void releasePages() {
        if (pages != null) pages.unload();
    }

    /** The same bytes under another shape with the same element count. */
    public Tensor reshape(long... newShape) {
        if (numel(newShape) != numel()) throw new IllegalArgumentException(this + " cannot take shape " + Arrays.toString(newShape));
        return new Tensor(name, dtype, newShape, data, pages);
    }

    /** Element {@code i} (flat index) as a float, for the float dtypes. */
    public float getFloat(long i) {
        return switch (dtype) {
            case F32 -> data.getAtIndex(F32, i);
            case BF16 -> Float.intBitsToFloat((data.getAtIndex(I16, i) & 0xffff) << 16);
            case F16 -> Float.float16ToFloat(data.getAtIndex(I16, i));
            case F64 -> (float) data.getAtIndex(F64, i);
            default -> throw new UnsupportedOperationException(name + ": " + dtype + " is not a float type");
        };
    }

    /** Element {@code i} as a long, for the integer dtypes. */
    public long getLong(long i) {
        return switch (dtype) {
            case I64 -> data.getAtIndex(I64, i);
            case I32 -> data.getAtIndex(I32, i);
            case I16 -> data.getAtIndex(I16, i);
            case I8 -> data.get(ValueLayout.JAVA_BYTE, i);
            case U8, BOOL -> data.get(ValueLayout.JAVA_BYTE, i) & 0xff;
            default -> throw new UnsupportedOperationException(name + ": " + dtype + " is not an integer type");
        };
    }

    /** All elements as a new float array (widening BF16/F16). */
    public float[] toFloatArray() {
        int n = Math.toIntExact(numel());
        float[] out = new float[n];
        if (dtype == DType.F32) {
            MemorySegment.copy(data, F32, 0, out, 0, n);
        } else {
            for (int i = 0; i < n; i++) out[i] = getFloat(i);
        }
        return out;
    }

    public long[] toLongArray() {
        int n = Math.toIntExact(numel());
        long[] out = new long[n];
        for (int i = 0; i < n; i++) out[i] = getLong(i);
        return out;
    }

    public int[] toIntArray() {
        int n = Math.toIntExact(numel());
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = Math.toIntExact(getLong(i));
        return out;
    }

    public byte[] toByteArray() {
        return data.toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
