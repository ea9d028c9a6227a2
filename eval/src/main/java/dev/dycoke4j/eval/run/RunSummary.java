package dev.dycoke4j.eval.run;

import java.util.List;
import java.util.Map;

/**
 * What one run did.
 *
 * @param predicted      predictions appended by this run
 * @param resumed        predictions that an earlier run had already made (skipped)
 * @param droppedPartial 1 when the predictions file ended in a partial line (a killed write), which was cut off
 * @param videosEncoded  videos that went through the vision tower in this run (once each, for every cell)
 * @param videosCached   videos whose features came from the vision-feature cache
 * @param failures       samples that could not run, each with its one-line reason
 * @param unreachable    cells that cannot run at their budget (cell id to why)
 */
public record RunSummary(int predicted, int resumed, int droppedPartial, int videosEncoded, int videosCached, List<Failure> failures,
                         Map<String, String> unreachable) {
    /** A sample that could not run. */
    public record Failure(String task, int docId, String video, String problem) {
    }
}
