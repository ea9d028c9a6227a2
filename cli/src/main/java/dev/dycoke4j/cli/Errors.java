package dev.dycoke4j.cli;

import dev.dycoke4j.compress.InvalidOptionException;
import dev.dycoke4j.hub.HubException;
import dev.dycoke4j.io.ModelFormatException;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.UncheckedIOException;

/**
 * Turns any failure into one line on stderr and a non-zero exit; the stack trace only with {@code --verbose}.
 * Usage problems (bad options) exit with 2, everything else with 1.
 */
final class Errors implements CommandLine.IExecutionExceptionHandler {
    private final PrintWriter err;

    Errors(PrintWriter err) {
        this.err = err;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        boolean verbose = parsed.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--verbose")) || parsed.hasMatchedOption("--verbose");
        err.println("dycoke: " + message(ex));
        if (verbose) ex.printStackTrace(err);
        else err.println("dycoke: (--verbose shows the stack trace)");
        err.flush();
        return ex instanceof UsageException ? 2 : 1;
    }

    static String message(Throwable ex) {
        if (ex instanceof ModelFormatException || ex instanceof HubException || ex instanceof UsageException || ex instanceof UncheckedIOException)
            return oneLine(ex.getMessage());
        if (ex.getClass().getName().endsWith("VideoException")) return oneLine(ex.getMessage());
        if (ex instanceof InvalidOptionException e) return oneLine(e.message(CompressOptions::flag));
        if (ex instanceof IllegalArgumentException || ex instanceof IllegalStateException) return oneLine(ex.getMessage());
        if (ex instanceof OutOfMemoryError) return "out of memory; give the JVM more with DYCOKE_JAVA_OPTS=-Xmx16g, or use fewer frames";
        String m = ex.getMessage();
        return ex.getClass().getSimpleName() + (m == null ? "" : ": " + oneLine(m));
    }

    private static String oneLine(String s) {
        if (s == null) return "(no message)";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
