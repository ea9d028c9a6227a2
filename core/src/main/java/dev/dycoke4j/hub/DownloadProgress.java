package dev.dycoke4j.hub;

/** Progress of the files of a pull, called from the download threads (at most about ten times a second per file). */
public interface DownloadProgress {
    /** {@code done} of {@code total} bytes of {@code file} are on disk; {@code bytesPerSecond} over this transfer. */
    void update(String file, long done, long total, double bytesPerSecond);

    /** The file is complete in the cache; {@code downloaded} is false when it was there already. */
    default void finished(String file, long total, double bytesPerSecond, boolean downloaded) {
    }

    DownloadProgress NONE = (file, done, total, bps) -> { };
}
