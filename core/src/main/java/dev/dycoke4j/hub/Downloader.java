package dev.dycoke4j.hub;

import dev.dycoke4j.cache.CacheKey;
import dev.dycoke4j.platform.Bytes;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;

/**
 * Downloads one file into the cache: under the blob's lock, into {@code blobs/{etag}.incomplete}, resumed with a Range
 * request from what an earlier try left; an LFS file's sha256 is checked against its etag (a mismatch deletes it);
 * then an atomic rename to {@code blobs/{etag}} and the snapshot link. Only a renamed blob counts as complete.
 */
public final class Downloader {
    private static final int BUFFER = 1 << 20;
    private static final long PROGRESS_NANOS = 100_000_000L;

    private final HubCache cache;
    private final HubClient client;
    private final DownloadOptions options;
    private final DownloadProgress progress;

    public Downloader(HubCache cache, HubClient client, DownloadOptions options, DownloadProgress progress) {
        this.cache = cache;
        this.client = client;
        this.options = options;
        this.progress = progress;
    }

    /** Makes snapshots/{commit}/{file} point at a complete blob, downloading it unless it is in the cache already. */
    public Path fetch(ModelRef ref, FileMeta meta) {
        Path blob = cache.blob(ref, meta.etag());
        try {
            boolean downloaded = false;
            double bps = 0;
            if (!Files.isRegularFile(blob)) {
                try (FileLocks.Held _ = FileLocks.acquire(cache.lock(ref, meta.etag()))) {
                    if (!Files.isRegularFile(blob)) {
                        bps = download(ref, meta, blob);
                        downloaded = true;
                    }
                }
            }
            cache.link(ref, meta.commit(), meta.file(), meta.etag());
            progress.finished(meta.file(), meta.size(), bps, downloaded);
            return cache.pointer(ref, meta.commit(), meta.file());
        } catch (IOException e) {
            throw new HubException(HubException.Kind.IO, ref + ": " + meta.file() + ": cannot write the cache in " + cache.root() + " (" + HubClient.describe(e) + ")", e);
        }
    }

    /** Downloads into the .incomplete file, with retries that resume, checks it and renames it; returns bytes/s. */
    private double download(ModelRef ref, FileMeta meta, Path blob) throws IOException {
        Path part = cache.incomplete(ref, meta.etag());
        Files.createDirectories(part.getParent());
        long start = System.nanoTime(), first = Files.isRegularFile(part) ? Files.size(part) : 0;
        for (int attempt = 1; ; attempt++) {
            try {
                transfer(ref, meta, part);
                break;
            } catch (IOException e) {
                long kept = Files.isRegularFile(part) ? Files.size(part) : 0;
                if (attempt >= options.attempts())
                    throw new HubException(HubException.Kind.NETWORK, ref + ": " + meta.file() + ": network failure after " + attempt
                            + (attempt == 1 ? " try" : " tries") + " (" + HubClient.describe(e) + "); " + Bytes.human(kept) + " of "
                            + Bytes.human(meta.size()) + " kept in " + part + ", and the next pull resumes from there", e);
                pause();
            }
        }
        verify(ref, meta, part);
        try {
            Files.move(part, blob, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(part, blob);
        }
        double secs = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
        return (meta.size() - first) / secs;
    }

    /** One GET from where the .incomplete file ends; returns normally only when the file has all its bytes. */
    private void transfer(ModelRef ref, FileMeta meta, Path part) throws IOException {
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        if (have > meta.size()) {
            Files.delete(part);
            have = 0;
        }
        if (have == meta.size() && have > 0) return;
        HttpResponse<InputStream> r = client.get(ref, meta.file(), meta.location(), have);
        int code = r.statusCode();
        if (code == 416) {
            r.body().close();
            Files.deleteIfExists(part);
            throw new IOException("the server refused to resume at byte " + have);
        }
        if (code == 200 && have > 0) have = 0;
        if (code == 206) {
            String range = r.headers().firstValue("Content-Range").orElse("");
            if (!range.startsWith("bytes " + have + "-")) {
                r.body().close();
                Files.deleteIfExists(part);
                throw new IOException("the server resumed at the wrong place (" + range + ")");
            }
        }
        long t0 = System.nanoTime(), last = 0, received = 0;
        try (InputStream in = r.body(); OutputStream out = open(ref, meta, part, have > 0)) {
            byte[] buf = new byte[BUFFER];
            int n;
            while ((n = in.read(buf)) >= 0) {
                write(ref, meta, part, out, buf, n);
                have += n;
                received += n;
                long now = System.nanoTime();
                if (now - last >= PROGRESS_NANOS) {
                    last = now;
                    progress.update(meta.file(), have, meta.size(), received / Math.max(1e-9, (now - t0) / 1e9));
                }
            }
        }
        if (have < meta.size()) throw new IOException("the connection closed after " + have + " of " + meta.size() + " bytes");
        if (have > meta.size()) {
            Files.deleteIfExists(part);
            throw new HubException(HubException.Kind.PROTOCOL, ref + ": " + meta.file() + ": received " + have + " bytes but the Hub announced " + meta.size() + "; the download was deleted");
        }
        progress.update(meta.file(), have, meta.size(), received / Math.max(1e-9, (System.nanoTime() - t0) / 1e9));
    }

    private OutputStream open(ModelRef ref, FileMeta meta, Path part, boolean append) {
        try {
            return options.writer().open(part, append);
        } catch (IOException e) {
            throw diskError(ref, meta, part, e);
        }
    }

    private void write(ModelRef ref, FileMeta meta, Path part, OutputStream out, byte[] buf, int n) {
        try {
            out.write(buf, 0, n);
        } catch (IOException e) {
            throw diskError(ref, meta, part, e);
        }
    }

    /** A write that failed: the disk is full (the bytes so far are kept for a resume), or another I/O error. */
    private HubException diskError(ModelRef ref, FileMeta meta, Path part, IOException e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("No space left") || m.contains("Disk quota exceeded")) {
            long kept = sizeOrZero(part);
            return new HubException(HubException.Kind.DISK_FULL, ref + ": " + meta.file() + ": the disk is full writing " + part
                    + " (" + Bytes.human(kept) + " of " + Bytes.human(meta.size()) + " kept there); free "
                    + Bytes.human(meta.size() - kept) + " or set HF_HUB_CACHE to a larger disk, then pull again to resume", e);
        }
        return new HubException(HubException.Kind.IO, ref + ": " + meta.file() + ": cannot write " + part + " (" + HubClient.describe(e) + ")", e);
    }

    /** An LFS file must hash to its etag; otherwise it is deleted and never used. */
    private static void verify(ModelRef ref, FileMeta meta, Path part) throws IOException {
        if (!meta.hasSha256()) return;
        String got = sha256(part);
        if (!got.equals(meta.etag())) {
            Files.deleteIfExists(part);
            throw new HubException(HubException.Kind.CHECKSUM, ref + ": " + meta.file() + ": checksum mismatch (sha256 " + got.substring(0, 12)
                    + "..., expected " + meta.etag().substring(0, 12) + "...); the download was deleted, pull again");
        }
    }

    static String sha256(Path file) throws IOException {
        return HexFormat.of().formatHex(CacheKey.sha256(file));
    }

    private static long sizeOrZero(Path p) {
        try {
            return Files.isRegularFile(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private void pause() {
        try {
            Thread.sleep(options.retryPauseMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
