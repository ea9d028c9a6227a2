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

    /**
     * Frames sampled for a model family that places them in time, and how far apart its temporal steps are.
     *
     * @param frames         the frames, in order
     * @param secondsPerStep the seconds one temporal step of frames spans (Qwen2.5-VL's {@code second_per_grid_ts})
     */
    record Timed(List<RgbFrame> frames, double secondsPerStep) {
        public Timed {
            frames = List.copyOf(frames);
        }
    }

    /**
     * What identifies the frames {@link #decodeTimed} gives, found without decoding, or null when only the decoded
     * frames can (then their timing is part of their features' key).
     */
    default String timedContentKey(int frames, int temporalPatch) {
        return null;
    }

    /**
     * {@code frames} frames as Qwen2.5-VL's sampler picks them from the video's frame times
     * ({@link dev.dycoke4j.vision.QwenFrameSampler#byCount}: a whole number of temporal patches of
     * {@code temporalPatch} frames, fewer for a short video), with the seconds each temporal patch spans; a source may
     * sample by rate instead ({@code VideoFileSource.byRate}), whatever count is asked for, and say so in
     * {@link #timedContentKey}. Runs on the caller's thread.
     *
     * @throws UnsupportedOperationException when the source cannot say when its frames were shown
     */
    default Timed decodeTimed(int frames, int temporalPatch) {
        throw new UnsupportedOperationException("this video source does not say when its frames were shown, which a model that places frames in time needs");
    }
}
