package dev.dycoke4j.video;

import dev.dycoke4j.cache.CacheKey;
import dev.dycoke4j.pipeline.VideoSource;
import dev.dycoke4j.vision.FrameSink;
import dev.dycoke4j.vision.QwenFrameSampler;
import dev.dycoke4j.vision.QwenSampling;
import dev.dycoke4j.vision.RgbFrame;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A video file, or a folder of frame images, as the pipeline's {@link VideoSource}: sampled uniformly through
 * {@link VideoReader}, streamed to the vision tower as it decodes, and known to the vision-feature cache by its content
 * ({@link VideoReader#contentKey}), so that a cached video is not decoded at all.
 *
 * <p>When the video has fewer frames than asked for, every frame is used once and {@link Shortfall} is told, once per
 * frame count however often the video is sampled (a benchmark re-reads it every run), and also on a cache hit, from the
 * number of frames the cached features hold. This library prints nothing itself.
 *
 * <p>For a model that places frames in time ({@link #decodeTimed}), the frames are those Qwen2.5-VL's sampler picks
 * from every frame's own presentation time ({@link QwenVideoReader}): by count, or by rate when the source was made
 * {@link #byRate}. A video too short for the frames asked for is told as {@link Shortfall#fewerPairs}.
 */
public final class VideoFileSource implements VideoSource {
    /** Told when a video has fewer frames than were asked for. */
    @FunctionalInterface
    public interface Shortfall {
        /** Ignores it. */
        Shortfall IGNORE = (video, total, requested) -> { };

        /** {@code video} has only {@code total} frames of the {@code requested}; each is used once. */
        void fewerFrames(Path video, int total, int requested);

        /**
         * {@code video} has only {@code total} frames, so {@code used} (a whole number of temporal patches) are sampled
         * instead of the {@code requested}.
         */
        default void fewerPairs(Path video, int total, int used, int requested) {
            fewerFrames(video, total, requested);
        }
    }

    private final Path video;
    private final Shortfall shortfall;
    /** Frames per second for {@link #decodeTimed}; 0: by the count asked for. */
    private final double fps;
    private final Set<Integer> reported = new HashSet<>();

    /** A source that says nothing when the video is short. */
    public VideoFileSource(Path video) {
        this(video, Shortfall.IGNORE);
    }

    public VideoFileSource(Path video, Shortfall shortfall) {
        this(video, shortfall, 0);
    }

    private VideoFileSource(Path video, Shortfall shortfall, double fps) {
        this.video = Objects.requireNonNull(video, "video");
        this.shortfall = Objects.requireNonNull(shortfall, "shortfall");
        this.fps = fps;
    }

    /**
     * The same video, its timed frames ({@link #decodeTimed}) sampled at about {@code fps} frames per second as
     * qwen-vl-utils' {@code smart_nframes} does, whatever count is asked for; part of {@link #timedContentKey}.
     * Uniform sampling ({@link #decode}) has no rate: such a source refuses it.
     *
     * @throws IllegalArgumentException when {@code fps} is not a positive finite number
     */
    public VideoFileSource byRate(double fps) {
        QwenSampling.rate(fps);
        return new VideoFileSource(video, shortfall, fps);
    }

    /** The rate of {@link #byRate}, or 0 when frames are sampled by count. */
    public double fps() {
        return fps;
    }

    /** The file or folder. */
    public Path path() {
        return video;
    }

    /** {@code n} frames sampled uniformly, decoded now on the caller's thread. */
    public SampledVideo read(int n) {
        return read(n, FrameSink.NONE);
    }

    /** The frames of {@link #read}. */
    public List<RgbFrame> frames(int n) {
        return read(n).frames();
    }

    private SampledVideo read(int n, FrameSink sink) {
        uniformOnly();
        SampledVideo v = VideoReader.streamUniform(video, n, sink);
        if (v.fewerThanRequested()) report(v.totalFrames(), n);
        return v;
    }

    private synchronized void report(int total, int requested) {
        if (reported.add(requested)) shortfall.fewerFrames(video, total, requested);
    }

    @Override
    public String contentKey(int frames) {
        uniformOnly();
        return VideoReader.contentKey(video, frames);
    }

    private void uniformOnly() {
        if (fps > 0)
            throw new IllegalStateException(video + ": sampled at " + fps + " frames per second, which only a model that places frames in time takes; sample by count instead");
    }

    @Override
    public List<RgbFrame> decode(int frames, FrameSink sink) {
        return read(frames, sink).frames();
    }

    /** A cache hit of fewer frames than asked for: the video had only that many (each was used once). */
    @Override
    public void cached(int frames, int used) {
        if (fps == 0 && used < frames) report(used, frames);
    }

    /** A folder of frames has no frame times: null, and {@link #decodeTimed} refuses it. */
    @Override
    public String timedContentKey(int frames, int temporalPatch) {
        if (Files.isDirectory(video)) return null;
        QwenSampling how = sampling(frames);
        return CacheKey.of("timed-video").text("content", ContentKey.of(video, frames))
                .text("sampler", "QwenFrameSampler " + how + " over every frame's presentation time").number("temporal-patch", temporalPatch).hex();
    }

    private QwenSampling sampling(int frames) {
        return fps > 0 ? QwenSampling.rate(fps) : QwenSampling.count(frames);
    }

    /**
     * @throws VideoException when the video is a folder of frames (it has no frame times), cannot be decoded, or is
     *                        too short for one temporal patch
     */
    @Override
    public Timed decodeTimed(int frames, int temporalPatch) {
        QwenVideoReader.Read read = QwenVideoReader.read(video, sampling(frames), temporalPatch);
        QwenFrameSampler.Sample sample = read.sample();
        if (fps == 0 && sample.count() < frames) reportPairs(read.totalFrames(), sample.count(), frames);
        return new Timed(read.frames(), sample.secondPerGridT());
    }

    private synchronized void reportPairs(int total, int used, int requested) {
        if (reported.add(requested)) shortfall.fewerPairs(video, total, used, requested);
    }
}
