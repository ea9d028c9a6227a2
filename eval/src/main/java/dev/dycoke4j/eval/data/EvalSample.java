package dev.dycoke4j.eval.data;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * One document of a task, ready to run: the task's name, the document's index in the task's split (lmms-eval's
 * {@code doc_id}), the document as the task's functions read it (the Python value model of the eval package), and the
 * video file it is about, or null when that file is missing.
 */
public record EvalSample(String task, int docId, Map<String, Object> doc, Path video) {
    public EvalSample {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(doc, "doc");
        if (docId < 0) throw new IllegalArgumentException("docId must be >= 0: " + docId);
    }

    /** Whether the video file was found. */
    public boolean hasVideo() {
        return video != null;
    }
}
