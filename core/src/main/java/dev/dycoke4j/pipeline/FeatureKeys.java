package dev.dycoke4j.pipeline;

import dev.dycoke4j.cache.CacheKey;
import dev.dycoke4j.vision.PreprocessorConfig;
import dev.dycoke4j.vision.RgbFrame;

import java.util.Arrays;
import java.util.List;

/** The vision-feature cache keys: what a video's features depend on. */
final class FeatureKeys {
    private FeatureKeys() {
    }

    /** The key of decoded frames: their RGB, the model, the preprocessing, the batching, and whether saliency is in. */
    static String featureKey(String modelId, PreprocessorConfig p, List<RgbFrame> frames, int batch, boolean saliency) {
        CacheKey k = base(modelId, p, batch, saliency).number("frames", frames.size());
        for (RgbFrame f : frames) k.ints("dims", new int[]{f.width(), f.height()}).bytes("rgb", f.rgb());
        return k.hex();
    }

    /**
     * The key of a video known by its {@link VideoSource#contentKey} (a file's content, the frames asked for, the
     * sampling rule and decoder) instead of its frames, with the rest of {@link #featureKey}.
     */
    static String contentFeatureKey(String modelId, PreprocessorConfig p, String contentKey, int batch, boolean saliency) {
        return base(modelId, p, batch, saliency).text("video", contentKey).hex();
    }

    private static CacheKey base(String modelId, PreprocessorConfig p, int batch, boolean saliency) {
        return CacheKey.of("vision-features").text("model", modelId)
                .ints("size", new int[]{p.height(), p.width(), p.shortestEdge(), p.resample()})
                .text("steps", p.doResize() + "," + p.doRescale() + "," + Double.toString(p.rescaleFactor()) + "," + p.doNormalize()
                        + "," + Arrays.toString(p.mean()) + "," + Arrays.toString(p.std()))
                .number("batch", batch).number("saliency", saliency ? 1 : 0);
    }
}
