package dev.dycoke4j.peer;

import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * A peer engine that {@code dycoke bench --peer NAME} can time against ours, found with {@link java.util.ServiceLoader}
 * so that the engine and the CLI never depend on a peer: a peer lives in its own module (e.g. {@code peer-jlama}) and
 * is there only when that module's jar is on the class path.
 */
public interface PeerBenchmark {
    /** What the peer is called on the command line, e.g. {@code jlama}. */
    String name();

    /**
     * What to run: our checkpoint directory (LLaVA-OneVision layout; the peer derives its own layout from it, with the
     * same weights, under {@code cacheDir}), the prompt length in token ids, the tokens to decode, timed runs, untimed
     * full-length runs of each engine before them, the threads each engine gets, and how our engine loads its weights
     * (as stored, or int8 with {@code --weights q8}), and the machine and commit the figures belong to, which the
     * peer's report carries ({@code machine} in its JSON).
     */
    record Request(Path model, Path cacheDir, int promptTokens, int newTokens, int repeat, int warmup, int threads, boolean json,
                   dev.dycoke4j.pipeline.LoadOptions load, java.util.Map<String, Object> machine) {
    }

    /**
     * Times both engines (ours in this process). Prints a table to {@code out}, or, when the request asks for JSON, the
     * JSON alone to {@code out} and the table to {@code err}, so that standard output can be parsed.
     */
    void run(Request request, PrintWriter out, PrintWriter err) throws Exception;
}
