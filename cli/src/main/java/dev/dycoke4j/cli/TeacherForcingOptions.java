package dev.dycoke4j.cli;

import picocli.CommandLine.Option;

/** {@code --steps} and {@code --prompt} of the commands that compare methods with none by teacher forcing (fidelity, bench arena). */
final class TeacherForcingOptions {
    @Option(names = "--steps", paramLabel = "N", defaultValue = "32", description = "Next-token distributions compared: none's greedy tokens, fed back to each method (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--prompt", paramLabel = "TEXT", defaultValue = "What happens in this video?", description = "The question (default: ${DEFAULT-VALUE}).")
    String prompt;

    /** A {@code --steps} below 1 is a usage error. */
    void check() {
        if (steps < 1) throw new UsageException("--steps must be at least 1, got " + steps);
    }
}
