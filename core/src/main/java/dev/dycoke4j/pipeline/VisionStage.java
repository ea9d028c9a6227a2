package dev.dycoke4j.pipeline;

import dev.dycoke4j.cache.TieredCache;
import dev.dycoke4j.vision.Preprocessor;
import dev.dycoke4j.vision.RgbFrame;
import dev.dycoke4j.vision.SiglipPoolingHead;

import java.util.List;
import java.util.function.Function;

/**
 * The vision side of a request: frames (decoded here from a {@link VideoSource}, or given) or pixel values to pooled
 * features, through the content-addressed vision-feature cache. Decoding, preprocessing and the vision tower overlap
 * on three threads. Question- and method-independent: encode once, then compress and answer as often as wanted. Not
 * thread-safe.
 */
public final class VisionStage {
    private final LlavaOneVision model;
    private final Preprocessor preprocessor;
    private final String modelId;
    private final VisionEncoder encoder;
    private TieredCache<VisionFeatures> cache;

    VisionStage(LlavaOneVision model, Preprocessor preprocessor, String modelId, TieredCache<VisionFeatures> cache) {
        this.model = model;
        this.preprocessor = preprocessor;
        this.modelId = modelId;
        this.encoder = new VisionEncoder(model, preprocessor);
        this.cache = cache;
    }

    /** Uses {@code c} as the vision-feature cache from now on. */
    public VisionStage cache(TieredCache<VisionFeatures> c) {
        this.cache = c;
        return this;
    }

    public TieredCache<VisionFeatures> cache() {
        return cache;
    }

    /** Reports the vision tower's progress ("vision", frames done, frames) to {@code p}. */
    public VisionStage progress(VideoQa.Progress p) {
        encoder.progress = p == null ? VideoQa.Progress.NONE : p;
        return this;
    }

    /**
     * The {@code opts.frames()} frames {@code video} samples, decoded on a background thread while the frames before
     * are preprocessed and encoded; a video whose features the cache holds under its {@link VideoSource#contentKey} is
     * not decoded at all. When the source's early frames turn out not to be its sample, only the returned frames not
     * among those already encoded go through the vision tower, so the features are always those of the frames
     * {@code video} returns, as {@link #encode(List, double, VisionOptions)} would give. A source without a content key
     * is decoded first and keyed by its frames.
     */
    public EncodedVideo encode(VideoSource video, VisionOptions opts) {
        try (VisionEncoding e = start(video, opts)) {
            while (!e.step()) {
                // the units back to back
            }
            return e.result();
        }
    }

    /**
     * {@link #encode(VideoSource, VisionOptions)} in units of work that the caller runs one at a time
     * ({@link VisionEncoding#step}), doing other work between them; nothing runs until the first step. The
     * stage's other methods and other encodings may run between the steps, on the same thread.
     */
    public VisionEncoding start(VideoSource video, VisionOptions opts) {
        return new VisionEncoding(this, encoder, video, opts);
    }

    /**
     * Frames decoded before (in {@code decodeSeconds}), all of them whatever {@code opts.frames()} says, through the
     * cache keyed by their RGB; preprocessing overlaps the vision tower.
     */
    public EncodedVideo encode(List<RgbFrame> frames, double decodeSeconds, VisionOptions opts) {
        return encode(frames, decodeSeconds, opts, null, true);
    }

    /**
     * As {@link #encode(List, double, VisionOptions)} without the cache (one-shot requests); with a trace, which gets
     * every stage's tensors, the frames are preprocessed first and then encoded.
     */
    public EncodedVideo encodeUncached(List<RgbFrame> frames, double decodeSeconds, VisionOptions opts, Trace trace) {
        return encode(frames, decodeSeconds, opts, trace, false);
    }

    /**
     * Preprocessed pixel values {@code [opts.frames(), 3, H, W]}, H and W the vision tower's image size, without the
     * cache; the trace (may be null) gets every stage's tensors.
     *
     * @throws IllegalArgumentException when {@code pixels} do not hold exactly that many values
     */
    public EncodedVideo encode(float[] pixels, VisionOptions opts, Trace trace) {
        checkPixels(pixels, opts.frames());
        long t0 = System.nanoTime();
        VisionEncoder.Seconds sec = new VisionEncoder.Seconds();
        return encodedPixels(pixels, opts, trace, sec, 0, t0);
    }

    private EncodedVideo encode(List<RgbFrame> frameList, double decodeSeconds, VisionOptions opts, Trace trace, boolean cached) {
        int batch = opts.visionBatch();
        long t0 = System.nanoTime();
        Found found = cached
                ? lookup(s -> FeatureKeys.featureKey(modelId, preprocessor.config(), frameList, batch, s), opts) : new Found(null, null);
        VisionEncoder.Seconds sec = new VisionEncoder.Seconds();
        if (found.features() != null) {
            sec.preprocess = (System.nanoTime() - t0) / 1e9;
            return encoded(found.features(), found.key(), true, decodeSeconds, sec, decodeSeconds, t0);
        }
        if (trace != null) {
            float[] pixels = preprocessor.pixels(frameList);
            sec.preprocess = (System.nanoTime() - t0) / 1e9;
            return encodedPixels(pixels, opts.withFrames(frameList.size()), trace, sec, decodeSeconds, t0);
        }
        sec.preprocess = (System.nanoTime() - t0) / 1e9;
        VisionFeatures features = encoder.encodeFrames(frameList, batch, opts, sec);
        if (found.key() != null) cache.put(found.key(), features);
        return encoded(features, found.key(), false, decodeSeconds, sec, decodeSeconds, t0);
    }

    private EncodedVideo encodedPixels(float[] pixels, VisionOptions opts, Trace trace, VisionEncoder.Seconds sec, double before, long t0) {
        int img = model.config().vision().imageSize();
        if (trace != null) trace.floats("pixel_values", pixels, 1, opts.frames(), 3, img, img);
        VisionFeatures features = encoder.encodePixels(pixels, opts.frames(), opts.visionBatch(), opts, trace, sec);
        return encoded(features, null, false, before, sec, before, t0);
    }

    /**
     * The encoded video with its seconds; its wall time runs from {@code t0}, plus {@code before} seconds spent earlier
     * (a decode before the encode); the stages' sum beyond it is the time they overlapped.
     */
    private static EncodedVideo encoded(VisionFeatures features, String key, boolean hit, double decode, VisionEncoder.Seconds sec,
                                        double before, long t0) {
        double wall = before + (System.nanoTime() - t0) / 1e9;
        double overlapped = Math.max(0, decode + sec.preprocess + sec.vision + sec.projectPool - wall);
        return new EncodedVideo(features, key, hit, decode, sec.preprocess, sec.vision, sec.projectPool, overlapped);
    }

    /** Checks that {@code pixels} are {@code frames} frames {@code [3, H, W]} at the vision tower's image size, no more, no less. */
    private void checkPixels(float[] pixels, int frames) {
        int img = model.config().vision().imageSize();
        long want = (long) frames * 3 * img * img;
        if (pixels == null || pixels.length != want)
            throw new IllegalArgumentException("pixel values hold " + (pixels == null ? "nothing (null)" : pixels.length + " floats")
                    + ", not the " + want + " of " + frames + " frame" + (frames == 1 ? "" : "s") + " [3, " + img + ", " + img + "]");
    }

    /** A cache key and what the vision-feature cache holds under it (null: nothing). */
    record Found(String key, VisionFeatures features) {
    }

    /**
     * The features under {@code keyOf.apply(saliency)} (with the frame signals, that key and the pooling head's id), or
     * else those computed with more than asked (the saliency, the frame signals), without what was not asked; the key
     * is that of a miss when none is there.
     */
    Found lookup(Function<Boolean, String> keyOf, VisionOptions opts) {
        boolean saliency = opts.saliency(), signals = opts.frameSignals();
        String head = "+" + (encoder.head == null ? "no-head" : encoder.head.id());
        String key = keyOf.apply(saliency) + (signals ? head : "");
        VisionFeatures features = cache.get(key);
        if (features != null) return new Found(key, features);
        for (boolean s : saliency ? new boolean[]{true} : new boolean[]{false, true})
            for (boolean g : signals || encoder.head == null ? new boolean[]{signals} : new boolean[]{false, true}) {
                String k = keyOf.apply(s) + (g ? head : "");
                VisionFeatures f = k.equals(key) ? null : cache.get(k);
                if (f != null)
                    return new Found(k, new VisionFeatures(f.frames(), f.tokensPerFrame(), f.dim(), f.pooled(), saliency ? f.saliency() : null,
                            signals ? f.signals() : null));
            }
        return new Found(key, null);
    }

    /** Uses {@code head}, SigLIP's attention-pooling head (null: none), for the frame signals from now on. */
    public VisionStage poolingHead(SiglipPoolingHead head) {
        encoder.head = head;
        return this;
    }

    String modelId() {
        return modelId;
    }

    Preprocessor preprocessor() {
        return preprocessor;
    }

    /** How many frames have gone through the vision tower since this stage was made (for tests of the reuse). */
    long visionFrames() {
        return encoder.visionFrames;
    }
}
