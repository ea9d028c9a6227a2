package dev.dycoke4j.vision;

import java.util.List;

/**
 * Frames to pixel values, as the LLaVA-OneVision video processor computes them: PIL bicubic resize to the configured
 * size (the result is uint8), then {@code x * rescale_factor}, then {@code (x - mean) / std}, channel-first.
 *
 * <p>The float arithmetic is the one of the reference (torch, float32): {@code float(x) * float(rescale_factor)},
 * then {@code (v - float(mean)) / float(std)}, each step rounded to float32. Java's float arithmetic is IEEE
 * round-to-nearest, so the results are the same bits. Since the value depends only on the uint8 and the channel,
 * it comes from a 3x256 table built once.
 */
public final class Preprocessor {
    private final PreprocessorConfig config;
    private final float[][] table = new float[3][256];

    public Preprocessor(PreprocessorConfig config) {
        this.config = config;
        double[] mean = config.mean(), std = config.std();
        float scale = (float) config.rescaleFactor();
        for (int c = 0; c < 3; c++) {
            float m = (float) mean[c], s = (float) std[c];
            for (int v = 0; v < 256; v++) {
                float x = v;
                if (config.doRescale()) x = x * scale;
                if (config.doNormalize()) x = (x - m) / s;
                table[c][v] = x;
            }
        }
    }

    public PreprocessorConfig config() {
        return config;
    }

    /** The {width, height} that frames of {@code srcW x srcH} have after preprocessing. */
    public int[] outputSize(int srcW, int srcH) {
        return config.outputSize(srcW, srcH);
    }

    /** One frame resized (or the frame itself when its size already matches). */
    public RgbFrame resize(RgbFrame frame) {
        int[] size = config.outputSize(frame.width(), frame.height());
        return PilBicubic.resize(frame, size[0], size[1]);
    }

    /**
     * Pixel values for the frames, layout {@code [frames, 3, H, W]}.
     *
     * @throws IllegalArgumentException when there are no frames, or the frames end up with different sizes
     */
    public float[] pixels(List<RgbFrame> frames) {
        if (frames.isEmpty()) throw new IllegalArgumentException("no frames to preprocess");
        int[] size = config.outputSize(frames.getFirst().width(), frames.getFirst().height());
        int w = size[0], h = size[1], plane = w * h;
        float[] out = new float[Math.multiplyExact(Math.multiplyExact(frames.size(), 3), plane)];
        for (int f = 0; f < frames.size(); f++) {
            RgbFrame r = resize(frames.get(f));
            if (r.width() != w || r.height() != h)
                throw new IllegalArgumentException("frame " + f + " becomes " + r.width() + "x" + r.height()
                        + " but frame 0 becomes " + w + "x" + h);
            byte[] rgb = r.rgb();
            float[] t0 = table[0], t1 = table[1], t2 = table[2];
            int o0 = f * 3 * plane, o1 = o0 + plane, o2 = o1 + plane;
            for (int i = 0, p = 0; i < plane; i++, p += 3) {
                out[o0 + i] = t0[rgb[p] & 0xff];
                out[o1 + i] = t1[rgb[p + 1] & 0xff];
                out[o2 + i] = t2[rgb[p + 2] & 0xff];
            }
        }
        return out;
    }
}
