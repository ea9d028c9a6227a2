package dev.dycoke4j.eval.spark;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * What an executor made of one {@link VideoTask}: the prediction lines as JSON text in the in-process run's order, the
 * samples that could not run, the cells found unable to run (cell id to why), the problem lines an in-process run
 * reports for them in its order, and whether the video was encoded or came from the cache.
 */
record VideoResult(int index, List<String> lines, List<Failure> failures, Map<String, String> unreachable, List<String> problems, boolean encoded,
                   boolean cached)
        implements Serializable {
    /** {@link dev.dycoke4j.eval.run.RunSummary.Failure} in serializable form. */
    record Failure(String task, int docId, String video, String problem) implements Serializable {
    }
}
