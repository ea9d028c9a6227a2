package dev.dycoke4j.video;

import dev.dycoke4j.vision.FrameSink;
import dev.dycoke4j.vision.RgbFrame;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The entry point: a folder is read as image frames, anything else as a video file through FFmpeg. */
public final class VideoReader {
    private static final FfmpegFrameSource FFMPEG = new FfmpegFrameSource();
    private static final ImageFolderFrameSource FOLDER = new ImageFolderFrameSource();

    private VideoReader() {
    }

    /** The source that reads {@code path}: {@link ImageFolderFrameSource} for a folder, else {@link FfmpegFrameSource}. */
    public static FrameSource sourceFor(Path path) {
        return Files.isDirectory(path) ? FOLDER : FFMPEG;
    }

    /** {@code n} frames sampled uniformly from a video file or a folder of frame images. */
    public static SampledVideo readUniform(Path video, int n) {
        return sourceFor(video).readUniform(video, n);
    }

    /** As {@link #readUniform}, handing the frames to {@code sink} as they decode ({@link FrameSource#streamUniform}). */
    public static SampledVideo streamUniform(Path video, int n, FrameSink sink) {
        return sourceFor(video).streamUniform(video, n, sink);
    }

    /**
     * What identifies the {@code n} frames {@link #readUniform} gives, without decoding: the {@link ContentKey} of a
     * video file; null for a folder of images, whose frames are keyed once decoded.
     */
    public static String contentKey(Path video, int n) {
        return Files.isDirectory(video) ? null : ContentKey.of(video, n);
    }

    /**
     * A video's frame rate and frame count as its container states them (the average rate, else the base rate; the
     * stream's frame count, else its duration times the rate): what OpenCV's {@code CAP_PROP_FPS} and
     * {@code CAP_PROP_FRAME_COUNT} report through FFmpeg. Either may be 0 when the file does not say.
     *
     * @throws VideoException when the file cannot be opened as a video
     */
    public static Info info(Path video) {
        try (FfmpegDecoder d = FfmpegDecoder.open(video)) {
            return new Info(d.fps(), d.estimatedFrames());
        }
    }

    /**
     * The frames at {@code indices} (ascending; repeats allowed) of a video file, decoded in one pass that stops after
     * the last of them: for samplers that choose their own indices from {@link #info}, as Qwen2.5-VL's does.
     *
     * @throws VideoException when the file cannot be decoded, or has fewer decodable frames than an index needs
     */
    public static List<RgbFrame> readAt(Path video, int[] indices) {
        Sources.checkFile(video);
        if (indices.length == 0) throw new VideoException(video + ": no frame indices to read");
        for (int k = 0; k < indices.length; k++)
            if (indices[k] < 0 || (k > 0 && indices[k] < indices[k - 1]))
                throw new VideoException(video + ": frame indices must be ascending and non-negative, got " + java.util.Arrays.toString(indices));
        int last = indices[indices.length - 1];
        Map<Integer, RgbFrame> kept = new HashMap<>();
        int decoded;
        try (FfmpegDecoder d = FfmpegDecoder.open(video)) {
            decoded = d.decode((i, dec) -> {
                if (java.util.Arrays.binarySearch(indices, i) >= 0) kept.put(i, dec.currentRgb());
                return i < last;
            });
        }
        List<RgbFrame> frames = new ArrayList<>(indices.length);
        for (int i : indices) {
            RgbFrame f = kept.get(i);
            if (f == null) throw new VideoException(video + ": frame " + i + " wanted but only " + decoded + " frames decode");
            frames.add(f);
        }
        return frames;
    }

    /**
     * The presentation time, in seconds, of every frame a video file decodes to, in order: the file's own timestamps
     * (FFmpeg's best-effort timestamp of each decoded frame), not the container's stated rate. The indices of this
     * array are the ones {@link #readAt} takes. A frame the file gives no timestamp follows the one before it by one
     * frame at the container's rate.
     *
     * @throws VideoException when the file cannot be decoded, or a frame has no timestamp and the container states no
     *                        rate
     */
    public static double[] frameTimes(Path video) {
        Sources.checkFile(video);
        List<Double> times = new ArrayList<>();
        double fps = 0;
        try (FfmpegDecoder d = FfmpegDecoder.open(video)) {
            fps = d.fps();
            d.decode((i, dec) -> {
                times.add(dec.currentSeconds());
                return true;
            });
        }
        double[] t = new double[times.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = times.get(i);
            if (Double.isNaN(t[i])) {
                if (!(fps > 0)) throw new VideoException(video + ": frame " + i + " has no timestamp and the container states no frame rate");
                t[i] = i == 0 ? 0 : t[i - 1] + 1 / fps;
            }
        }
        return t;
    }

    /** A video's frame rate and frame count. */
    public record Info(double fps, long frames) {
    }
}
