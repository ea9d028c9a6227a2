package dev.dycoke4j.vision;

/**
 * transformers' {@code smart_resize} for Qwen2-VL / Qwen2.5-VL: the frame size closest to the input whose sides are
 * multiples of {@code factor} (28) and whose area lies in {@code [minPixels, maxPixels]}, keeping the aspect ratio.
 *
 * <p>Python's {@code round} rounds half to even ({@link Math#rint}): 70/28 = 2.5 gives 56, 98/28 = 3.5 gives 112.
 * The arithmetic is in double, as Python's floats.
 */
public final class QwenSmartResize {
    /** transformers refuses an aspect ratio above this. */
    public static final int MAX_RATIO = 200;

    private QwenSmartResize() {
    }

    /**
     * @return {h_bar, w_bar}
     * @throws IllegalArgumentException for a non-positive size or factor, min pixels above max pixels, or an aspect
     *                                  ratio above {@value #MAX_RATIO}
     */
    public static int[] resize(int height, int width, int factor, long minPixels, long maxPixels) {
        if (height <= 0 || width <= 0) throw new IllegalArgumentException("frame size " + width + "x" + height + " is empty");
        if (factor <= 0) throw new IllegalArgumentException("resize factor " + factor + " must be positive");
        if (minPixels <= 0 || minPixels > maxPixels)
            throw new IllegalArgumentException("min_pixels " + minPixels + " and max_pixels " + maxPixels + " do not make a range");
        double ratio = (double) Math.max(height, width) / Math.min(height, width);
        if (ratio > MAX_RATIO)
            throw new IllegalArgumentException("frame size " + width + "x" + height + " has an aspect ratio of "
                    + ratio + "; it must be at most " + MAX_RATIO);
        long hBar = (long) Math.rint((double) height / factor) * factor;
        long wBar = (long) Math.rint((double) width / factor) * factor;
        if (hBar * wBar > maxPixels) {
            double beta = Math.sqrt((double) height * width / maxPixels);
            hBar = Math.max(factor, (long) Math.floor(height / beta / factor) * factor);
            wBar = Math.max(factor, (long) Math.floor(width / beta / factor) * factor);
        } else if (hBar * wBar < minPixels) {
            double beta = Math.sqrt(minPixels / ((double) height * width));
            hBar = (long) Math.ceil(height * beta / factor) * factor;
            wBar = (long) Math.ceil(width * beta / factor) * factor;
        }
        if (hBar > Integer.MAX_VALUE / 4 || wBar > Integer.MAX_VALUE / 4)
            throw new IllegalArgumentException("frame size " + width + "x" + height + " resizes to " + wBar + "x" + hBar + ", too large");
        return new int[]{(int) hBar, (int) wBar};
    }
}
