package dev.dycoke4j.cli;

import dev.dycoke4j.video.SampledVideo;
import dev.dycoke4j.video.VideoReader;
import dev.dycoke4j.vision.RgbFrame;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * How every command samples a video: uniformly through {@link VideoReader}, saying on {@code err} when the video has
 * fewer frames than asked for, once per frame count however often it is sampled (bench re-reads the clip every run).
 * The video library prints nothing; this is the one place the CLI reports it.
 */
final class FrameSampler implements IntFunction<List<RgbFrame>> {
    private final Path video;
    private final PrintWriter err;
    private final Set<Integer> reported = new HashSet<>();

    FrameSampler(Path video, PrintWriter err) {
        this.video = video;
        this.err = err;
    }

    /** {@code n} frames sampled uniformly, with the notice the first time the video falls short of {@code n}. */
    SampledVideo read(int n) {
        SampledVideo v = VideoReader.readUniform(video, n);
        if (v.fewerThanRequested() && reported.add(n)) {
            err.println(notice(video, v.totalFrames(), n));
            err.flush();
        }
        return v;
    }

    @Override
    public List<RgbFrame> apply(int n) {
        return read(n).frames();
    }

    /** The line saying that {@code video} has only {@code total} frames of the {@code requested}. */
    static String notice(Path video, int total, int requested) {
        return "dycoke: " + video + " has only " + total + " frame" + (total == 1 ? "" : "s") + "; using each once instead of " + requested;
    }
}
