package dev.dycoke4j.peer.llamacpp;

import java.nio.ByteBuffer;

/**
 * ggml's {@code Q8_0}: blocks of 32 values, each stored as an F16 scale {@code d = max|x| / 127} and 32 int8
 * {@code round(x / d)}, 34 bytes a block; rounded as ggml's reference {@code quantize_row_q8_0} does (the multiplier is
 * {@code 1/d} of the F32 scale, before the scale is narrowed to F16; halves round away from zero, as C's
 * {@code roundf}), so that the file holds what llama.cpp's own converter would write for the same values.
 */
final class Q80 {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 2 + BLOCK;

    private Q80() {
    }

    /** Appends the blocks of {@code x[off, off + n)} ({@code n} a multiple of 32) to {@code out}, little-endian. */
    static void quantize(float[] x, int off, int n, ByteBuffer out) {
        for (int b = off; b < off + n; b += BLOCK) {
            float amax = 0;
            for (int j = 0; j < BLOCK; j++) amax = Math.max(amax, Math.abs(x[b + j]));
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            out.putShort(Float.floatToFloat16(d));
            for (int j = 0; j < BLOCK; j++) out.put((byte) roundf(x[b + j] * id));
        }
    }

    /** C's {@code roundf}: to the nearest integer, halves away from zero (exact: a float plus 0.5 fits a double). */
    static int roundf(float v) {
        int r = (int) Math.floor(Math.abs((double) v) + 0.5);
        return v < 0 ? -r : r;
    }
}
