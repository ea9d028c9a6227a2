package dev.dycoke4j.eval.data;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Some documents' videos are missing and skipping them was not asked for. The report lists each task with missing
 * videos; a caller that may skip them ({@code skipMissing}) runs the documents that have one instead.
 */
public final class MissingVideosException extends DataException {
    private final List<MissingVideos> missing;

    public MissingVideosException(List<MissingVideos> missing) {
        super("videos missing: " + missing.stream().map(MissingVideos::describe).collect(Collectors.joining("; "))
                + "; extract the datasets' video archives into the data folder, or skip those documents");
        this.missing = List.copyOf(missing);
    }

    /** The tasks with missing videos, with their counts and first ids. */
    public List<MissingVideos> missing() {
        return missing;
    }
}
