package dev.dycoke4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** Runs the CLI in-process and captures what it prints. */
record Cli(int code, String out, String err) {
    static Cli run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Cli(code, out.toString(), err.toString());
    }

    static Path oracle() {
        Path p = Path.of("").toAbsolutePath();
        for (int i = 0; i < 4 && p != null; i++, p = p.getParent()) {
            Path cand = p.resolveSibling("shared").resolve("oracle");
            if (Files.isDirectory(cand)) return cand;
        }
        throw new IllegalStateException("../shared/oracle not found");
    }

    /** The error output has exactly one "dycoke:" problem line, then the --verbose hint, and no stack trace. */
    String problem() {
        String[] lines = err.strip().split("\n");
        if (err.contains("\tat ") || err.contains("Exception in thread"))
            throw new AssertionError("stack trace printed:\n" + err);
        return lines[0];
    }
}
