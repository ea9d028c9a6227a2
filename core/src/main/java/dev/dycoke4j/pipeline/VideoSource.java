package dev.dycoke4j.pipeline;

import dev.dycoke4j.vision.FrameSink;
import dev.dycoke4j.vision.RgbFrame;

import java.util.List;

/**
 * A video that {@link VisionStage#encode(VideoSource, VisionOptions)} decodes itself:
 * on a background thread, its frames going to preprocessing and the vision tower as they decode, and not at all when
 * the vision-feature cache holds its features under {@link #contentKey}.
 */
public interface VideoSource {
    /**
     * What identifies the {@code frames} frames {@link #decode} samples, found without decoding (a video file's
     * content hash, the frame count, the sampling rule, the decoder), or null when only the decoded frames can.
     */
    String contentKey(int frames);

    /**
     * Samples {@code frames} frames, handing them to {@code sink} as they decode ({@link FrameSink}: an early look
     * that may turn out wrong), and returns the frames sampled. Runs on a background thread.
     */
    List<RgbFrame> decode(int frames, FrameSink sink);

    /** Called instead of {@link #decode} when the features of the {@code used} frames sampled came from the cache. */
    void cached(int frames, int used);
}
