package dev.dycoke4j.video;

import dev.dycoke4j.vision.RgbFrame;

import java.util.List;

/**
 * Frames sampled uniformly from a video.
 *
 * @param frames             the sampled frames, in order
 * @param indices            the index of each frame among all decodable frames (0-based, ascending)
 * @param totalFrames        how many frames really decoded
 * @param fps                the stream's average frame rate, or 0 when unknown (image folders)
 * @param fewerThanRequested true when the video had fewer frames than requested, so every frame is used once
 */
public record SampledVideo(List<RgbFrame> frames, int[] indices, int totalFrames, double fps, boolean fewerThanRequested) {
    public SampledVideo {
        frames = List.copyOf(frames);
        indices = indices.clone();
        if (frames.size() != indices.length)
            throw new IllegalArgumentException(frames.size() + " frames but " + indices.length + " indices");
    }

    @Override
    public int[] indices() {
        return indices.clone();
    }

    /** Seconds from the start of the video of sampled frame {@code i}, or NaN when the frame rate is unknown. */
    public double timestamp(int i) {
        return fps > 0 ? indices[i] / fps : Double.NaN;
    }
}
