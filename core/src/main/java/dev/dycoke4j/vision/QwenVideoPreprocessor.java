package dev.dycoke4j.vision;

import dev.dycoke4j.io.Qwen25VlVisionConfig;
import dev.dycoke4j.parallel.Parallel;

import java.util.ArrayList;
import java.util.List;

/**
 * Frames to {@code pixel_values_videos}, as transformers' {@code Qwen2VLVideoProcessor} computes them:
 * <ol>
 *   <li>each frame resized to {@link QwenSmartResize smart_resize}'s size with Pillow's bicubic ({@link PilBicubic}),
 *       uint8 in and out (transformers resizes with torchvision; see the oracle's notes on how far that may
 *       differ);</li>
 *   <li>rescale and normalize fused as {@code BaseVideoProcessor} does: {@code mean255 = float(mean) · float(1/rescale)}
 *       and {@code std255} likewise, computed in float32, then {@code (x − mean255) / std255} in float32. The value
 *       depends only on the uint8 and the channel, so it comes from a 3x256 table;</li>
 *   <li>frames grouped in temporal patches of 2. An odd frame count gets its last frame repeated, as transformers
 *       pads (so 7 frames make 4 temporal patches, the last of frames 6 and 6);</li>
 *   <li>patches flattened in merge-unit row order ({@link QwenPixels}).</li>
 * </ol>
 */
public final class QwenVideoPreprocessor {
    private final Qwen25VlVisionConfig.Video config;
    private final float[][] table = new float[3][256];

    public QwenVideoPreprocessor(Qwen25VlVisionConfig.Video config) {
        this.config = config;
        double[] mean = config.mean(), std = config.std();
        float scale = (float) config.rescaleFactor();
        float inverse = (float) (1.0 / config.rescaleFactor());
        for (int c = 0; c < 3; c++) {
            float m = (float) mean[c], s = (float) std[c];
            float m255 = m * inverse, s255 = s * inverse;
            for (int v = 0; v < 256; v++) {
                float x = v;
                if (config.doRescale() && config.doNormalize()) x = (x - m255) / s255;
                else if (config.doRescale()) x = x * scale;
                else if (config.doNormalize()) x = (x - m) / s;
                table[c][v] = x;
            }
        }
    }

    public Qwen25VlVisionConfig.Video config() {
        return config;
    }

    /**
     * {height, width} that frames of {@code height x width} are resized to.
     *
     * @throws IllegalArgumentException as {@link QwenSmartResize#resize}
     */
    public int[] targetSize(int height, int width) {
        return QwenSmartResize.resize(height, width, config.factor(), config.minPixels(), config.maxPixels());
    }

    /** One frame resized to its {@link #targetSize} (the frame itself when it already has that size). */
    public RgbFrame resize(RgbFrame frame) {
        int[] hw = targetSize(frame.height(), frame.width());
        return PilBicubic.resize(frame, hw[1], hw[0]);
    }

    /**
     * Resizes and flattens the frames.
     *
     * @throws IllegalArgumentException when there are no frames or they differ in size
     */
    public QwenPixels pixels(List<RgbFrame> frames) {
        if (frames.isEmpty()) throw new IllegalArgumentException("no frames to preprocess");
        RgbFrame first = frames.getFirst();
        List<RgbFrame> resized = new ArrayList<>(frames.size());
        for (int f = 0; f < frames.size(); f++) {
            RgbFrame r = frames.get(f);
            if (r.width() != first.width() || r.height() != first.height())
                throw new IllegalArgumentException("frame " + f + " is " + r.width() + "x" + r.height()
                        + " but frame 0 is " + first.width() + "x" + first.height());
            resized.add(resize(r));
        }
        return flatten(resized);
    }

    /**
     * Normalizes and flattens frames that already have their final size (sides multiples of the factor).
     *
     * @throws IllegalArgumentException when there are no frames, they differ in size, or a side is not a multiple
     *                                  of patch size x merge size
     */
    public QwenPixels flatten(List<RgbFrame> frames) {
        if (frames.isEmpty()) throw new IllegalArgumentException("no frames to preprocess");
        int ps = config.patchSize(), tp = config.temporalPatchSize(), ms = config.mergeSize();
        int W = frames.getFirst().width(), H = frames.getFirst().height();
        if (H % config.factor() != 0 || W % config.factor() != 0)
            throw new IllegalArgumentException("frame size " + W + "x" + H + " is not a multiple of " + config.factor());
        for (RgbFrame f : frames)
            if (f.width() != W || f.height() != H)
                throw new IllegalArgumentException("frames differ in size: " + f.width() + "x" + f.height() + " and " + W + "x" + H);
        int gt = (frames.size() + tp - 1) / tp, gh = H / ps, gw = W / ps;
        int rows = gt * gh * gw, cols = 3 * tp * ps * ps;
        byte[][] rgb = new byte[gt * tp][];
        for (int i = 0; i < rgb.length; i++) rgb[i] = frames.get(Math.min(i, frames.size() - 1)).rgb(); // pad: repeat the last
        float[] out = new float[Math.multiplyExact(rows, cols)];
        int perFrame = gh * gw, mergedW = gw / ms;
        Parallel.forRange(rows, 64, (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int t = r / perFrame, rest = r % perFrame;
                int unit = rest / (ms * ms), inUnit = rest % (ms * ms);
                int py = (unit / mergedW) * ms + inUnit / ms, px = (unit % mergedW) * ms + inUnit % ms;
                int o = r * cols;
                for (int c = 0; c < 3; c++) {
                    float[] tab = table[c];
                    for (int f = 0; f < tp; f++) {
                        byte[] src = rgb[t * tp + f];
                        for (int y = 0; y < ps; y++) {
                            int p = (((py * ps + y) * W) + px * ps) * 3 + c;
                            for (int x = 0; x < ps; x++, p += 3) out[o++] = tab[src[p] & 0xff];
                        }
                    }
                }
            }
        });
        return new QwenPixels(out, gt, gh, gw);
    }
}
