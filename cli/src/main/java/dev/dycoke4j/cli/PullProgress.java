package dev.dycoke4j.cli;

import dev.dycoke4j.hub.DownloadProgress;
import dev.dycoke4j.platform.Bytes;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Download progress on stderr: a bar for the file being written (on a terminal), and one line per file when it is
 * complete, with its size and throughput. Called from several download threads at once.
 */
final class PullProgress implements DownloadProgress {
    private final ProgressBar bar;
    private final PrintWriter err;

    PullProgress(ProgressBar bar, PrintWriter err) {
        this.bar = bar;
        this.err = err;
    }

    @Override
    public synchronized void update(String file, long done, long total, double bytesPerSecond) {
        bar.download(file, done, total, bytesPerSecond);
    }

    @Override
    public synchronized void finished(String file, long total, double bytesPerSecond, boolean downloaded) {
        bar.clear();
        err.println(String.format(Locale.ROOT, "  %-44s %10s  %s", file, Bytes.human(total),
                downloaded ? String.format(Locale.ROOT, "%.1f MB/s", bytesPerSecond / 1e6) : "cached"));
        err.flush();
    }
}
