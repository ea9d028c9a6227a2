package dev.dycoke4j.eval.data;

import java.util.List;

/**
 * The documents of a task whose video file is not there: how many of the task's {@code total}, and the video ids of
 * the first few (in document order), as the report names them.
 */
public record MissingVideos(String task, int count, int total, List<String> firstIds) {
    /** How many ids a report keeps. */
    public static final int FIRST = 5;

    public MissingVideos {
        firstIds = List.copyOf(firstIds);
    }

    /** One line: the task, the count and the first ids. */
    public String describe() {
        return task + ": " + count + " of " + total + " videos missing (first: " + String.join(", ", firstIds) + (count > firstIds.size() ? ", ..." : "") + ")";
    }
}
