package dev.dycoke4j.video;

import dev.dycoke4j.cache.CacheKey;
import dev.dycoke4j.pipeline.VideoSource;
import dev.dycoke4j.vision.FrameSink;
import dev.dycoke4j.vision.QwenFrameSampler;
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
 * from the frames' times (the container's frame count and rate, taken as uniform timestamps), and a video too short
 * for the frames asked for is told as {@link Shortfall#fewerPairs}.
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
    private final Set<Integer> reported = new HashSet<>();

    /** A source that says nothing when the video is short. */
    public VideoFileSource(Path video) {
        this(video, Shortfall.IGNORE);
    }

    public VideoFileSource(Path video, Shortfall shortfall) {
        this.video = Objects.requireNonNull(video, "video");
        this.shortfall = Objects.requireNonNull(shortfall, "shortfall");
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
        SampledVideo v = VideoReader.streamUniform(video, n, sink);
        if (v.fewerThanRequested()) report(v.totalFrames(), n);
        return v;
    }

    private synchronized void report(int total, int requested) {
        if (reported.add(requested)) shortfall.fewerFrames(video, total, requested);
    }

    @Override
    public String contentKey(int frames) {
        return VideoReader.contentKey(video, frames);
    }

    @Override
    public List<RgbFrame> decode(int frames, FrameSink sink) {
        return read(frames, sink).frames();
    }

    /** A cache hit of fewer frames than asked for: the video had only that many (each was used once). */
    @Override
    public void cached(int frames, int used) {
        if (used < frames) report(used, frames);
    }

    /** A folder of frames has no frame times: null, and {@link #decodeTimed} refuses it. */
    @Override
    public String timedContentKey(int frames, int temporalPatch) {
        if (Files.isDirectory(video)) return null;
        return CacheKey.of("timed-video").text("content", ContentKey.of(video, frames)).text("sampler", "QwenFrameSampler.byCount over the container's frame count and rate as uniform timestamps")
                .number("temporal-patch", temporalPatch).hex();
    }

    /**
     * @throws VideoException when the video is a folder of frames (it has no frame rate), or its container states no
     *                        frame count or rate
     */
    @Override
    public Timed decodeTimed(int frames, int temporalPatch) {
        if (Files.isDirectory(video)) throw new VideoException(video + ": a folder of frames has no frame rate; Qwen2.5-VL needs a video file");
        VideoReader.Info info = VideoReader.info(video);
        if (info.frames() <= 0 || info.frames() > Integer.MAX_VALUE || !(info.fps() > 0))
            throw new VideoException(video + ": the container states no frame count or frame rate, which Qwen2.5-VL's frame sampling needs");
        int total = (int) info.frames();
        QwenFrameSampler.Sample sample = QwenFrameSampler.byCount(QwenFrameSampler.uniformTimestamps(total, info.fps()), frames, temporalPatch);
        if (sample.count() < frames) reportPairs(total, sample.count(), frames);
        return new Timed(VideoReader.readAt(video, sample.indices()), sample.secondPerGridT());
    }

    private synchronized void reportPairs(int total, int used, int requested) {
        if (reported.add(requested)) shortfall.fewerPairs(video, total, used, requested);
    }
}
