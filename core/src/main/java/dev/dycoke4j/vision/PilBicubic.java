package dev.dycoke4j.vision;

/**
 * Pillow's {@code Image.resize(size, Image.BICUBIC)} for 8-bit RGB, bit for bit.
 *
 * <p>This follows {@code ImagingResample} in Pillow's {@code src/libImaging/Resample.c}:
 * <ul>
 *   <li>the cubic convolution kernel with {@code a = -0.5} and support 2, widened by the scale factor when
 *       downsampling;</li>
 *   <li>per output pixel, the window of source pixels and its weights computed in double the way
 *       {@code precompute_coeffs} does (truncating casts, clamping at the borders, division by the weight sum);</li>
 *   <li>the weights turned into fixed point with 22 fractional bits, rounded half away from zero;</li>
 *   <li>a horizontal pass into a uint8 intermediate (only over the rows the vertical pass reads), then a vertical
 *       pass, each accumulating in int from {@code 1 << 21} and clipping {@code sum >> 22} to 0..255;</li>
 *   <li>a pass runs only when its dimension changes; when neither does, the result is a copy.</li>
 * </ul>
 * Integer accumulation is exact, so the order of the additions here does not matter.
 */
public final class PilBicubic {
    /** Fractional bits of the fixed-point weights: 32 - 8 - 2, as in Pillow. */
    static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double SUPPORT = 2.0;

    private PilBicubic() {
    }

    /** Pillow's bicubic kernel, a = -0.5. */
    static double filter(double x) {
        final double a = -0.5;
        if (x < 0.0) x = -x;
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
        return 0.0;
    }

    /**
     * The resampling window of every output pixel along one axis.
     *
     * @param ksize  coefficients stored per output pixel
     * @param start  first source pixel of each output pixel
     * @param count  number of source pixels used by each output pixel
     * @param weight double weights, {@code ksize} per output pixel, normalised to sum 1
     */
    record Coefficients(int ksize, int[] start, int[] count, double[] weight) {
        /** The weights in Pillow's 8-bit fixed point (22 fractional bits, rounded half away from zero). */
        int[] fixedPoint() {
            int[] k = new int[weight.length];
            double one = 1 << PRECISION_BITS;
            for (int i = 0; i < k.length; i++) {
                double w = weight[i];
                k[i] = w < 0 ? (int) (-0.5 + w * one) : (int) (0.5 + w * one);
            }
            return k;
        }
    }

    /** As {@code precompute_coeffs(inSize, 0, inSize, outSize, BICUBIC)}. */
    static Coefficients coefficients(int inSize, int outSize) {
        float in0 = 0f;
        float in1 = inSize;
        double scale = (double) (in1 - in0) / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = SUPPORT * filterScale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        if ((long) outSize * ksize > Integer.MAX_VALUE / 8)
            throw new IllegalArgumentException("resize from " + inSize + " to " + outSize + " needs too many coefficients");
        int[] start = new int[outSize];
        int[] count = new int[outSize];
        double[] weight = new double[outSize * ksize];
        double ss = 1.0 / filterScale;
        for (int xx = 0; xx < outSize; xx++) {
            double center = in0 + (xx + 0.5) * scale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) xmin = 0;
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) xmax = inSize;
            xmax -= xmin;
            int base = xx * ksize;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++) {
                double w = filter((x + xmin - center + 0.5) * ss);
                weight[base + x] = w;
                ww += w;
            }
            if (ww != 0.0) {
                for (int x = 0; x < xmax; x++) weight[base + x] /= ww;
            }
            start[xx] = xmin;
            count[xx] = xmax;
        }
        return new Coefficients(ksize, start, count, weight);
    }

    private static int clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /**
     * Resizes {@code src} to {@code outW x outH} exactly as Pillow's bicubic resize of an RGB image does.
     *
     * @return a new frame; {@code src} when the size does not change (frames are treated as immutable)
     */
    public static RgbFrame resize(RgbFrame src, int outW, int outH) {
        if (outW <= 0 || outH <= 0) throw new IllegalArgumentException("target size " + outW + "x" + outH);
        int inW = src.width(), inH = src.height();
        boolean horizontal = outW != inW;
        boolean vertical = outH != inH;
        if (!horizontal && !vertical) return src;

        Coefficients vert = coefficients(inH, outH);
        byte[] pixels = src.rgb();
        int width = inW;
        int rowOffset = 0; // source row held by row 0 of `pixels`
        if (horizontal) {
            // Only the rows the vertical pass reads, as Pillow's ybox_first..ybox_last.
            int first = vert.start[0];
            int last = vert.start[outH - 1] + vert.count[outH - 1];
            if (!vertical) {
                first = 0;
                last = inH;
            }
            pixels = horizontalPass(pixels, inW, first, last, outW, coefficients(inW, outW));
            width = outW;
            rowOffset = first;
        }
        if (vertical) pixels = verticalPass(pixels, width, rowOffset, outH, vert);
        return new RgbFrame(outW, outH, pixels);
    }

    private static byte[] horizontalPass(byte[] in, int inW, int firstRow, int endRow, int outW, Coefficients c) {
        int[] k = c.fixedPoint();
        int ksize = c.ksize;
        int rows = endRow - firstRow;
        byte[] out = new byte[rows * outW * 3];
        int half = 1 << (PRECISION_BITS - 1);
        for (int y = 0; y < rows; y++) {
            int inRow = (y + firstRow) * inW * 3;
            int outRow = y * outW * 3;
            for (int xx = 0; xx < outW; xx++) {
                int xmin = c.start[xx], n = c.count[xx], kb = xx * ksize;
                int s0 = half, s1 = half, s2 = half;
                int p = inRow + xmin * 3;
                for (int x = 0; x < n; x++, p += 3) {
                    int w = k[kb + x];
                    s0 += (in[p] & 0xff) * w;
                    s1 += (in[p + 1] & 0xff) * w;
                    s2 += (in[p + 2] & 0xff) * w;
                }
                int o = outRow + xx * 3;
                out[o] = (byte) clip8(s0);
                out[o + 1] = (byte) clip8(s1);
                out[o + 2] = (byte) clip8(s2);
            }
        }
        return out;
    }

    private static byte[] verticalPass(byte[] in, int width, int rowOffset, int outH, Coefficients c) {
        int[] k = c.fixedPoint();
        int ksize = c.ksize;
        int rowLen = width * 3;
        byte[] out = new byte[outH * rowLen];
        int[] acc = new int[rowLen];
        int half = 1 << (PRECISION_BITS - 1);
        for (int yy = 0; yy < outH; yy++) {
            java.util.Arrays.fill(acc, half);
            int ymin = c.start[yy] - rowOffset, n = c.count[yy], kb = yy * ksize;
            for (int y = 0; y < n; y++) {
                int w = k[kb + y];
                int p = (ymin + y) * rowLen;
                for (int i = 0; i < rowLen; i++) acc[i] += (in[p + i] & 0xff) * w;
            }
            int o = yy * rowLen;
            for (int i = 0; i < rowLen; i++) out[o + i] = (byte) clip8(acc[i]);
        }
        return out;
    }
}
