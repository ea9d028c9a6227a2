package dev.dycoke4j.cli;

import dev.dycoke4j.pipeline.VideoSource;
import dev.dycoke4j.video.SampledVideo;
import dev.dycoke4j.video.VideoReader;
import dev.dycoke4j.vision.FrameSink;
import dev.dycoke4j.vision.RgbFrame;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How every command samples a video: uniformly through {@link VideoReader}, saying on {@code err} when the video has
 * fewer frames than asked for, once per frame count however often it is sampled (bench re-reads the clip every run).
 * The video library prints nothing; this is the one place the CLI reports it. As a {@link VideoSource}, a video file is
 * known to the vision-feature cache by its content ({@link VideoReader#contentKey}), and a cache hit says it too, from
 * the number of frames the cached features hold.
 */
final class FrameSampler implements VideoSource {
    private final Path video;
    private final PrintWriter err;
    private final Set<Integer> reported = new HashSet<>();

    FrameSampler(Path video, PrintWriter err) {
        this.video = video;
        this.err = err;
    }

    /** {@code n} frames sampled uniformly, with the notice the first time the video falls short of {@code n}. */
    SampledVideo read(int n) {
        return read(n, FrameSink.NONE);
    }

    private SampledVideo read(int n, FrameSink sink) {
        SampledVideo v = VideoReader.streamUniform(video, n, sink);
        if (v.fewerThanRequested()) report(v.totalFrames(), n);
        return v;
    }

    private synchronized void report(int total, int requested) {
        if (!reported.add(requested)) return;
        err.println(notice(video, total, requested));
        err.flush();
    }

    /** The frames of {@link #read}. */
    List<RgbFrame> frames(int n) {
        return read(n).frames();
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

    /** The line saying that {@code video} has only {@code total} frames of the {@code requested}. */
    static String notice(Path video, int total, int requested) {
        return "dycoke: " + video + " has only " + total + " frame" + (total == 1 ? "" : "s") + "; using each once instead of " + requested;
    }
}
