package dev.dycoke4j.pipeline;

/**
 * How a video is encoded.
 *
 * @param frames      frames sampled from the video (for frames or pixel values given directly, the count given)
 * @param visionBatch frames encoded together by the vision tower (one GEMM over all their patches); part of the
 *                    vision-feature cache key
 * @param saliency    whether to keep the attention each pooled token receives in the vision tower's last layer, for
 *                    the methods that rank tokens by it ({@link CompressStage#needsSaliency})
 * @param frameSignals whether to run SigLIP's attention-pooling head on every frame (its probe attention and pooled
 *                    embedding), for the methods that need it ({@link CompressStage#needsFrameSignals}); the
 *                    {@link VisionStage} must have the head
 */
public record VisionOptions(int frames, int visionBatch, boolean saliency, boolean frameSignals) {
    /** The vision batch when none is given. */
    public static final int DEFAULT_BATCH = 8;

    public VisionOptions {
        if (frames < 1) throw new IllegalArgumentException("frames must be at least 1, got " + frames);
        if (visionBatch < 1) throw new IllegalArgumentException("vision batch must be at least 1, got " + visionBatch);
    }

    public VisionOptions(int frames, int visionBatch) {
        this(frames, visionBatch, false);
    }

    public VisionOptions(int frames, int visionBatch, boolean saliency) {
        this(frames, visionBatch, saliency, false);
    }

    /** {@code frames} frames in batches of {@link #DEFAULT_BATCH}, without the saliency. */
    public static VisionOptions of(int frames) {
        return new VisionOptions(frames, DEFAULT_BATCH, false);
    }

    public VisionOptions withFrames(int n) {
        return new VisionOptions(n, visionBatch, saliency, frameSignals);
    }

    public VisionOptions withBatch(int batch) {
        return new VisionOptions(frames, batch, saliency, frameSignals);
    }

    public VisionOptions withSaliency(boolean s) {
        return new VisionOptions(frames, visionBatch, s, frameSignals);
    }

    public VisionOptions withFrameSignals(boolean s) {
        return new VisionOptions(frames, visionBatch, saliency, s);
    }
}
