package dev.dycoke4j.cli;

import dev.dycoke4j.video.VideoFileSource;

import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * The one line every command prints on its error output when a video has fewer frames than asked for
 * ({@link VideoFileSource} says when: once per frame count; the video library itself prints nothing).
 */
final class ShortVideoNotice implements VideoFileSource.Shortfall {
    private final PrintWriter err;

    ShortVideoNotice(PrintWriter err) {
        this.err = err;
    }

    /** {@code video} sampled uniformly, reporting a shortfall on {@code err}. */
    static VideoFileSource source(Path video, PrintWriter err) {
        return new VideoFileSource(video, new ShortVideoNotice(err));
    }

    @Override
    public void fewerFrames(Path video, int total, int requested) {
        err.println(line(video, total, requested));
        err.flush();
    }

    @Override
    public void fewerPairs(Path video, int total, int used, int requested) {
        err.println("dycoke: " + video + " has only " + total + " frame" + (total == 1 ? "" : "s") + "; using " + used + " instead of " + requested);
        err.flush();
    }

    /** The line saying that {@code video} has only {@code total} frames of the {@code requested}. */
    static String line(Path video, int total, int requested) {
        return "dycoke: " + video + " has only " + total + " frame" + (total == 1 ? "" : "s") + "; using each once instead of " + requested;
    }
}
