package dev.dycoke4j.pipeline;

import dev.dycoke4j.vision.RgbFrame;
import dev.dycoke4j.vision.SiglipPoolingHead;

import java.util.List;

/**
 * A model family's vision side, behind {@link VisionStage}: frames (or a video it samples itself) to the features its
 * compression methods see, and the vision-feature cache keys of what those features depend on. The stage puts the
 * cache and the seconds around it. Not thread-safe.
 */
interface FamilyVision {
    /**
     * The vision-feature cache key of decoded {@code frames} whose temporal steps span {@code secondsPerStep} seconds
     * (a family that does not place frames in time ignores it), encoded in batches of {@code batch}, with the
     * saliency or not.
     */
    String featureKey(String modelId, List<RgbFrame> frames, double secondsPerStep, int batch, boolean saliency);

    /**
     * The frames this family samples from {@code video}, decoded now on the caller's thread, with their timing. It
     * reads none of the family's mutable state, so any thread may call it while another encodes.
     */
    VideoSource.Timed sample(VideoSource video, int frames);

    /** An encoding of {@code video} in units of work ({@link VisionStage#start}), through {@code stage}'s cache. */
    VisionEncoding start(VisionStage stage, VideoSource video, VisionOptions opts);

    /**
     * The features of {@code frames}, without the cache, adding each stage's seconds to {@code sec}; the trace (may be
     * null) gets every stage's tensors.
     */
    VisionFeatures encode(List<RgbFrame> frames, double secondsPerStep, VisionOptions opts, VisionEncoder.Seconds sec, Trace trace);

    /**
     * The features of preprocessed pixel values {@code [opts.frames(), 3, H, W]}, without the cache.
     *
     * @throws IllegalArgumentException when the pixels do not hold exactly that many values, or the family takes frames only
     */
    VisionFeatures encodePixels(float[] pixels, VisionOptions opts, Trace trace, VisionEncoder.Seconds sec);

    /** Reports the vision tower's progress ("vision", frames done, frames) to {@code p}. */
    void progress(VideoQa.Progress p);

    /** SigLIP's attention-pooling head for the frame signals (null: none). */
    void poolingHead(SiglipPoolingHead head);

    SiglipPoolingHead poolingHead();

    /** Frames that went through the vision tower since this object was made. */
    long visionFrames();
}
