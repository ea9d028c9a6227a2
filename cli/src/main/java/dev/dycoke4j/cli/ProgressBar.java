package dev.dycoke4j.cli;

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
        if (done >= total) err.print("\r" + " ".repeat(60) + "\r");
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
            err.print("\r" + " ".repeat(60) + "\r");
            err.flush();
        }
    }
}
