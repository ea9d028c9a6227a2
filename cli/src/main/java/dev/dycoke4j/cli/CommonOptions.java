package dev.dycoke4j.cli;

import dev.dycoke4j.parallel.Parallel;
import picocli.CommandLine.Option;

/** Options every command shares. */
final class CommonOptions {
    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: the number of cores).")
    Integer threads;

    @Option(names = "--verbose", description = "Show stack traces on errors, and warnings such as damaged cache entries.")
    boolean verbose;

    void apply() {
        if (threads != null) {
            if (threads < 1) throw new UsageException("--threads must be at least 1, got " + threads);
            Parallel.setThreads(threads);
        }
    }
}
