package dev.dycoke4j.cli;

import dev.dycoke4j.platform.Bytes;
import dev.dycoke4j.pipeline.VideoQa;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar on stderr, drawn only when stderr is a terminal. */
final class ProgressBar implements VideoQa.Progress {
    private final PrintStream err;
    private final boolean enabled;

    ProgressBar(PrintStream err) {
        this.err = err;
        var console = System.console();
        this.enabled = console != null && console.isTerminal();
    }

    @Override
    public void update(String stage, int done, int total) {
        if (!enabled || total <= 0) return;
        int width = 30, fill = (int) ((long) width * done / total);
        err.print(String.format(Locale.ROOT, "\r%-8s [%s%s] %d/%d", stage, "#".repeat(fill), " ".repeat(width - fill), done, total));
        if (done >= total) err.print("\r" + " ".repeat(100) + "\r");
        err.flush();
    }

    /** A download bar: file, fraction, bytes so far of the total, and MB/s. */
    void download(String file, long done, long total, double bytesPerSecond) {
        if (!enabled || total <= 0) return;
        int width = 24, fill = (int) (width * Math.min(1.0, (double) done / total));
        String name = file.length() > 32 ? "..." + file.substring(file.length() - 29) : file;
        err.print(String.format(Locale.ROOT, "\r%-32s [%s%s] %s / %s  %.1f MB/s  ", name, "#".repeat(fill), " ".repeat(width - fill),
                Bytes.human(done), Bytes.human(total), bytesPerSecond / 1e6));
        err.flush();
    }

    /** A bar for one part of a longer job: its label, done of total, and the time left at the rate so far. */
    void eta(String label, int done, int total, double secondsLeft) {
        if (!enabled || total <= 0) return;
        int width = 24, fill = (int) ((long) width * Math.min(done, total) / total);
        String eta = Double.isFinite(secondsLeft) ? String.format(Locale.ROOT, "ETA %d:%02d:%02d", (long) secondsLeft / 3600, (long) secondsLeft / 60 % 60, (long) secondsLeft % 60) : "ETA --:--:--";
        err.print(String.format(Locale.ROOT, "\r%-28s [%s%s] %d/%d  %s  ", label.length() > 28 ? label.substring(0, 28) : label, "#".repeat(fill), " ".repeat(width - fill), done, total, eta));
        err.flush();
    }

    void message(String text) {
        if (enabled) {
            err.print("\r" + text);
            err.flush();
        }
    }

    void clear() {
        if (enabled) {
            err.print("\r" + " ".repeat(100) + "\r");
            err.flush();
        }
    }
}
