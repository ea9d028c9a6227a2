package dev.dycoke4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A weight matrix {@code [rows, cols]} in symmetric int8 with one F32 scale per block of {@value #BLOCK} elements
 * along each row: {@code W[r][e] ≈ quants[r·cols + position(e)] · scales[r·cols/32 + e/32]}. Quants are in
 * [-127, 127]; a block of zeros has scale 0. {@code cols} is a multiple of {@value #BLOCK}. Identity-keyed (not a
 * record) so that kernels can cache a packed copy per object, as for {@link Tensor}.
 *
 * <p>The quants of a row are stored in groups of {@value #GROUP} (two blocks): within a group, byte {@code 4c + j}
 * holds element {@code 16j + c} (c < 16, j < 4), so each 32-bit word holds elements c, 16 + c, 32 + c and 48 + c.
 * A kernel that loads L such words as one int vector takes its byte j apart with two shifts into L consecutive
 * elements, {@code 16j + c} for the L values of c it loaded, so x is read in order and j < 2 is the group's first
 * block, j ≥ 2 its second (see {@code GemmQ8}). A last half group (cols an odd multiple of 32) is stored in order.
 */
public final class Q8Matrix {
    public static final int BLOCK = 32;
    /** Elements per group of the byte layout: two blocks. */
    public static final int GROUP = 2 * BLOCK;
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

    /** The quant of element {@code W[r][e]}. */
    public byte quant(int r, int e) {
        if (r < 0 || r >= rows || e < 0 || e >= cols) throw new IndexOutOfBoundsException("[" + r + ", " + e + "] of " + this);
        return quants.get(ValueLayout.JAVA_BYTE, (long) r * cols + position(e, cols));
    }

    /** Where element {@code e} of a row of width {@code cols} is stored, in bytes from the row's start (see above). */
    public static int position(int e, int cols) {
        int g = e - e % GROUP, i = e % GROUP;
        return g + GROUP > cols ? e : g + 4 * (i % 16) + i / 16;
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
