package dev.dycoke4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A weight matrix {@code [rows, cols]} in symmetric int8 with one F32 scale per block of {@value #BLOCK} elements
 * along each row: {@code W[r][e] ≈ quants[r·cols + e] · scales[r·cols/32 + e/32]}. Quants are in [-127, 127]; a
 * block of zeros has scale 0. {@code cols} is a multiple of {@value #BLOCK}. Identity-keyed (not a record) so that
 * kernels can cache a packed copy per object, as for {@link Tensor}.
 */
public final class Q8Matrix {
    public static final int BLOCK = 32;
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final String name;
    private final int rows, cols;
    private final MemorySegment quants, scales;

    public Q8Matrix(String name, int rows, int cols, MemorySegment quants, MemorySegment scales) {
        if (rows < 1 || cols < 1 || cols % BLOCK != 0)
            throw new IllegalArgumentException(name + ": a q8 matrix needs a width that is a multiple of " + BLOCK + ", got [" + rows + ", " + cols + "]");
        if (quants.byteSize() != (long) rows * cols || scales.byteSize() != 4L * rows * (cols / BLOCK))
            throw new IllegalArgumentException(name + ": " + quants.byteSize() + " quant and " + scales.byteSize() + " scale bytes for [" + rows + ", " + cols + "]");
        this.name = name;
        this.rows = rows;
        this.cols = cols;
        this.quants = quants;
        this.scales = scales;
    }

    public String name() {
        return name;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** {@code [rows, cols]} int8. */
    public MemorySegment quants() {
        return quants;
    }

    /** {@code [rows, cols/32]} little-endian F32. */
    public MemorySegment scales() {
        return scales;
    }

    /** Blocks per row. */
    public int blocks() {
        return cols / BLOCK;
    }

    public byte quant(int r, int e) {
        return quants.get(ValueLayout.JAVA_BYTE, (long) r * cols + e);
    }

    public float scale(int r, int b) {
        return scales.getAtIndex(F32, (long) r * blocks() + b);
    }

    /** The dequantized element {@code W[r][e]}. */
    public float get(int r, int e) {
        return quant(r, e) * scale(r, e / BLOCK);
    }

    /** Bytes read per full pass (quants and scales). */
    public long byteSize() {
        return quants.byteSize() + scales.byteSize();
    }

    @Override
    public String toString() {
        return name + " Q8[" + rows + ", " + cols + "]";
    }
}
