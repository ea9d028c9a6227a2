package dev.dycoke4j.eval.data;

import java.util.List;

/** A task's documents in lmms-eval's order (doc ids 0, 1, ...), each with its video or null, and the missing-video report. */
public record TaskSamples(String task, List<EvalSample> samples, MissingVideos missing) {
    public TaskSamples {
        samples = List.copyOf(samples);
    }

    /** The documents whose video was found, with their original doc ids. */
    public List<EvalSample> present() {
        return samples.stream().filter(EvalSample::hasVideo).toList();
    }
}
