package dev.dycoke4j.video;

import dev.dycoke4j.vision.QwenFrameSampler;
import dev.dycoke4j.vision.QwenSampling;
import dev.dycoke4j.vision.RgbFrame;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A video file read for Qwen2.5-VL: every frame's presentation time first ({@link VideoReader#frameTimes}), then
 * {@link QwenFrameSampler}'s choice over those real timestamps, then the chosen frames ({@link VideoReader#readAt}).
 * The sample's {@code second_per_grid_ts} therefore comes from the file's timing, so a 1 fps clip and a 30 fps clip
 * sampled to the same count place their frames differently in time. Two decoding passes: the first converts no pixels.
 */
public final class QwenVideoReader {
    private QwenVideoReader() {
    }

    /**
     * The frames read, the sample they are, and how many frames the video decodes to.
     *
     * @param frames      the chosen frames, in order
     * @param sample      their indices, the sampled rate and the seconds one temporal patch spans
     * @param totalFrames the frames the video decodes to
     * @param timestamps  the presentation time of every one of them, in seconds
     */
    public record Read(List<RgbFrame> frames, QwenFrameSampler.Sample sample, int totalFrames, double[] timestamps) {
        public Read {
            frames = List.copyOf(frames);
            timestamps = timestamps.clone();
        }

        @Override
        public double[] timestamps() {
            return timestamps.clone();
        }
    }

    /**
     * Reads {@code video} as {@code how} samples it, in temporal patches of {@code temporalPatch} frames.
     *
     * @throws VideoException when the file cannot be decoded, is a folder, is too short for one temporal patch, or its
     *                        timestamps do not increase
     */
    public static Read read(Path video, QwenSampling how, int temporalPatch) {
        if (Files.isDirectory(video)) throw new VideoException(video + ": a folder of frames has no frame timing; Qwen2.5-VL needs a video file");
        double[] times = VideoReader.frameTimes(video);
        QwenFrameSampler.Sample sample;
        try {
            sample = how.choose(times, temporalPatch);
        } catch (IllegalArgumentException e) {
            throw new VideoException(video + ": " + e.getMessage(), e);
        }
        return new Read(VideoReader.readAt(video, sample.indices()), sample, times.length, times);
    }

    /**
     * How many frames {@link #read} takes from {@code video} as {@code how} samples it, found from the frame times
     * alone (no pixels converted).
     *
     * @throws VideoException as {@link #read}
     */
    public static int count(Path video, QwenSampling how, int temporalPatch) {
        if (Files.isDirectory(video)) throw new VideoException(video + ": a folder of frames has no frame timing; Qwen2.5-VL needs a video file");
        try {
            return how.choose(VideoReader.frameTimes(video), temporalPatch).count();
        } catch (IllegalArgumentException e) {
            throw new VideoException(video + ": " + e.getMessage(), e);
        }
    }
}
