package dev.dycoke4j.hub;

/**
 * How a pull downloads: at most {@code parallel} files at once; each file is tried {@code attempts} times, resuming
 * from what was received, with {@code retryPauseMillis} between tries; {@code writer} opens the files written.
 */
public record DownloadOptions(int parallel, int attempts, long retryPauseMillis, BlobWriter writer) {
    public DownloadOptions {
        if (parallel < 1 || attempts < 1 || retryPauseMillis < 0) throw new IllegalArgumentException("bad download options");
    }

    /** Four files at once, three tries a second apart, to disk. */
    public static DownloadOptions defaults() {
        return new DownloadOptions(4, 3, 1000, BlobWriter.DISK);
    }

    public DownloadOptions withAttempts(int n, long pauseMillis) {
        return new DownloadOptions(parallel, n, pauseMillis, writer);
    }

    public DownloadOptions withWriter(BlobWriter w) {
        return new DownloadOptions(parallel, attempts, retryPauseMillis, w);
    }

    public DownloadOptions withParallel(int n) {
        return new DownloadOptions(n, attempts, retryPauseMillis, writer);
    }
}
