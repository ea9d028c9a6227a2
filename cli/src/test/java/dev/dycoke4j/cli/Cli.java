package dev.dycoke4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/** Runs the CLI in-process and captures what it prints. */
record Cli(int code, String out, String err) {
    static Cli run(String... args) {
        return run(System.getenv(), args);
    }

    /** Runs with the HF_* variables (and any other) read from {@code env} instead of the real environment. */
    static Cli run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true), env);
        return new Cli(code, out.toString(), err.toString());
    }

    /**
     * The error output has exactly one "dycoke:" problem line (besides the --verbose and --help hints; a command's own progress lines,
     * such as "dycoke pull: ...", may come before it) and no stack trace.
     */
    String problem() {
        if (err.contains("\tat ") || err.contains("Exception in thread"))
            throw new AssertionError("stack trace printed:\n" + err);
        var problems = err.strip().lines().filter(l -> l.startsWith("dycoke: ") && !l.equals("dycoke: (--verbose shows the stack trace)") && !l.startsWith("dycoke: see '")).toList();
        if (problems.size() != 1) throw new AssertionError("expected one problem line:\n" + err);
        return problems.getFirst();
    }
}
