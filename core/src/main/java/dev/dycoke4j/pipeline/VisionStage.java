package dev.dycoke4j.pipeline;

import dev.dycoke4j.cache.TieredCache;
import dev.dycoke4j.vision.Preprocessor;
import dev.dycoke4j.vision.RgbFrame;
import dev.dycoke4j.vision.SiglipPoolingHead;

import java.util.List;
import java.util.function.Function;

/**
 * The vision side of a request: frames (decoded here from a {@link VideoSource}, or given) or pixel values to the
 * features a compression method sees, through the content-addressed vision-feature cache. The model family's
 * {@link FamilyVision} does the encoding (LLaVA-OneVision's overlaps decoding, preprocessing and the vision tower on
 * three threads); this stage puts the cache and the seconds around it. Question- and method-independent: encode once,
 * then compress and answer as often as wanted. Not thread-safe.
 */
public final class VisionStage {
    /**
     * The seconds a temporal step of frames given without their timing spans: qwen-vl-utils' default sampling of 2
     * frames per second, one temporal patch of 2 frames a second. A family that does not place frames in time
     * ignores it.
     */
    public static final double DEFAULT_SECONDS_PER_STEP = 1.0;

    private final FamilyVision family;
    private final String modelId;
    private TieredCache<VisionFeatures> cache;

    VisionStage(FamilyVision family, String modelId, TieredCache<VisionFeatures> cache) {
        this.family = family;
        this.modelId = modelId;
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
        family.progress(p);
        return this;
    }

    /**
     * The {@code opts.frames()} frames {@code video} samples, as the model family samples them, decoded on a
     * background thread while the frames before are preprocessed and encoded where the family streams them; a video
     * whose features the cache holds under its content key is not decoded at all. When the source's early frames turn
     * out not to be its sample, only the returned frames not among those already encoded go through the vision tower,
     * so the features are always those of the frames {@code video} returns, as
     * {@link #encode(List, double, VisionOptions)} would give. A source without a content key is decoded first and
     * keyed by its frames.
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
     * The {@code frames} frames the model family samples from {@code video}, decoded now on the caller's thread, and
     * the seconds a temporal step of them spans (for a family that places frames in time; else
     * {@link #DEFAULT_SECONDS_PER_STEP}): what {@link #encode(List, double, double, VisionOptions)} takes. It reads
     * none of the stage's mutable state, so any thread may call it while another encodes (a server's thumbnails).
     */
    public VideoSource.Timed sample(VideoSource video, int frames) {
        return family.sample(video, frames);
    }

    /**
     * {@link #encode(VideoSource, VisionOptions)} in units of work that the caller runs one at a time
     * ({@link VisionEncoding#step}), doing other work between them; nothing runs until the first step. The
     * stage's other methods and other encodings may run between the steps, on the same thread.
     */
    public VisionEncoding start(VideoSource video, VisionOptions opts) {
        return family.start(this, video, opts);
    }

    /**
     * Frames decoded before (in {@code decodeSeconds}), all of them whatever {@code opts.frames()} says, through the
     * cache keyed by their RGB; preprocessing overlaps the vision tower. A family that places frames in time takes them
     * as {@link #DEFAULT_SECONDS_PER_STEP} apart per temporal step.
     */
    public EncodedVideo encode(List<RgbFrame> frames, double decodeSeconds, VisionOptions opts) {
        return encode(frames, DEFAULT_SECONDS_PER_STEP, decodeSeconds, opts);
    }

    /** As above, the temporal steps {@code secondsPerStep} apart (Qwen2.5-VL's {@code second_per_grid_ts}). */
    public EncodedVideo encode(List<RgbFrame> frames, double secondsPerStep, double decodeSeconds, VisionOptions opts) {
        return encode(frames, secondsPerStep, decodeSeconds, opts, null, true);
    }

    /**
     * As {@link #encode(List, double, VisionOptions)} without the cache (one-shot requests); the trace (may be null)
     * gets every stage's tensors.
     */
    public EncodedVideo encodeUncached(List<RgbFrame> frames, double decodeSeconds, VisionOptions opts, Trace trace) {
        return encodeUncached(frames, DEFAULT_SECONDS_PER_STEP, decodeSeconds, opts, trace);
    }

    /** As above, the temporal steps {@code secondsPerStep} apart. */
    public EncodedVideo encodeUncached(List<RgbFrame> frames, double secondsPerStep, double decodeSeconds, VisionOptions opts, Trace trace) {
        return encode(frames, secondsPerStep, decodeSeconds, opts, trace, false);
    }

    /**
     * Preprocessed pixel values {@code [opts.frames(), 3, H, W]}, H and W the vision tower's image size, without the
     * cache; the trace (may be null) gets every stage's tensors.
     *
     * @throws IllegalArgumentException when {@code pixels} do not hold exactly that many values, or the model family
     *                                  takes frames only
     */
    public EncodedVideo encode(float[] pixels, VisionOptions opts, Trace trace) {
        long t0 = System.nanoTime();
        VisionEncoder.Seconds sec = new VisionEncoder.Seconds();
        VisionFeatures features = family.encodePixels(pixels, opts, trace, sec);
        return encoded(features, null, false, 0, sec, 0, t0);
    }

    private EncodedVideo encode(List<RgbFrame> frameList, double secondsPerStep, double decodeSeconds, VisionOptions opts, Trace trace,
                                boolean cached) {
        int batch = opts.visionBatch();
        long t0 = System.nanoTime();
        Found found = cached
                ? lookup(s -> family.featureKey(modelId, frameList, secondsPerStep, batch, s), opts) : new Found(null, null);
        VisionEncoder.Seconds sec = new VisionEncoder.Seconds();
        sec.preprocess = (System.nanoTime() - t0) / 1e9;
        if (found.features() != null) return encoded(found.features(), found.key(), true, decodeSeconds, sec, decodeSeconds, t0);
        VisionFeatures features = family.encode(frameList, secondsPerStep, opts, sec, trace);
        if (found.key() != null) cache.put(found.key(), features);
        return encoded(features, found.key(), false, decodeSeconds, sec, decodeSeconds, t0);
    }

    /**
     * The encoded video with its seconds; its wall time runs from {@code t0}, plus {@code before} seconds spent earlier
     * (a decode before the encode); the stages' sum beyond it is the time they overlapped.
     */
    static EncodedVideo encoded(VisionFeatures features, String key, boolean hit, double decode, VisionEncoder.Seconds sec,
                                double before, long t0) {
        double wall = before + (System.nanoTime() - t0) / 1e9;
        double overlapped = Math.max(0, decode + sec.preprocess + sec.vision + sec.projectPool - wall);
        return new EncodedVideo(features, key, hit, decode, sec.preprocess, sec.vision, sec.projectPool, overlapped);
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
        SiglipPoolingHead poolingHead = family.poolingHead();
        String head = "+" + (poolingHead == null ? "no-head" : poolingHead.id());
        String key = keyOf.apply(saliency) + (signals ? head : "");
        VisionFeatures features = cache.get(key);
        if (features != null) return new Found(key, features);
        for (boolean s : saliency ? new boolean[]{true} : new boolean[]{false, true})
            for (boolean g : signals || poolingHead == null ? new boolean[]{signals} : new boolean[]{false, true}) {
                String k = keyOf.apply(s) + (g ? head : "");
                VisionFeatures f = k.equals(key) ? null : cache.get(k);
                if (f != null) return new Found(k, f.keeping(saliency, signals));
            }
        return new Found(key, null);
    }

    /** Uses {@code head}, SigLIP's attention-pooling head (null: none), for the frame signals from now on. */
    public VisionStage poolingHead(SiglipPoolingHead head) {
        family.poolingHead(head);
        return this;
    }

    String modelId() {
        return modelId;
    }

    /** LLaVA-OneVision's preprocessor, for its streamed encoding; null for another family. */
    Preprocessor preprocessor() {
        return family instanceof SiglipVision s ? s.preprocessor() : null;
    }

    /** How many frames have gone through the vision tower since this stage was made (for tests of the reuse). */
    long visionFrames() {
        return family.visionFrames();
    }
}
