package dev.dycoke4j.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Byte blobs by key in a directory, one file each ({@code <key>.dyc}), bounded by bytes: the files least recently
 * used (by modification time, refreshed on every hit) are deleted first. A file is written to a temporary name and
 * moved into place atomically, so a reader never sees half a file. Every file carries a magic, a version, its own key,
 * the payload's length and its CRC32C: a truncated, corrupt or misplaced file is detected, deleted and read as a miss.
 */
public final class DiskTier {
    static final byte[] MAGIC = "DYCOKE4J".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    private static final String SUFFIX = ".dyc";
    /** The largest file {@link #get} reads: the largest byte array, less a margin. */
    static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 16;

    private final Path dir;
    private final long maxBytes;
    private int corrupt;

    public DiskTier(Path dir, long maxBytes) {
        if (maxBytes < 0) throw new IllegalArgumentException("a cache bound must be at least 0 bytes, got " + maxBytes);
        this.dir = dir;
        this.maxBytes = maxBytes;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot create the cache directory (" + e.getMessage() + ")", e);
        }
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException(dir + ": not a directory");
    }

    public Path dir() {
        return dir;
    }

    /** Files found corrupt (and deleted) so far. */
    public synchronized int corruptFiles() {
        return corrupt;
    }

    Path file(String key) {
        if (!key.matches("[0-9a-f]{64}")) throw new IllegalArgumentException("not a cache key: " + key);
        return dir.resolve(key + SUFFIX);
    }

    /** The payload stored under {@code key}, or null when there is none or its file is damaged (then deleted). */
    public synchronized ByteBuffer get(String key) {
        Path f = file(key);
        byte[] all;
        try {
            // put never writes a file this big: one is damaged, and reading it would not fit an array
            if (Files.size(f) > MAX_FILE_BYTES) {
                corrupt++;
                delete(f);
                return null;
            }
            all = Files.readAllBytes(f);
        } catch (IOException e) {
            return null; // absent (or unreadable): a miss
        }
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        byte[] k = key.getBytes(StandardCharsets.US_ASCII);
        int head = MAGIC.length + 4 + 4 + k.length + 8 + 4;
        boolean ok = all.length >= head;
        if (ok) {
            byte[] magic = new byte[MAGIC.length];
            b.get(magic);
            byte[] stored = new byte[k.length];
            ok = java.util.Arrays.equals(magic, MAGIC) && b.getInt() == VERSION && b.getInt() == k.length;
            if (ok) {
                b.get(stored);
                ok = java.util.Arrays.equals(stored, k);
            }
        }
        if (ok) {
            long len = b.getLong();
            int crc = b.getInt();
            ok = len == all.length - head;
            if (ok) {
                CRC32C c = new CRC32C();
                c.update(all, head, (int) len);
                ok = (int) c.getValue() == crc;
            }
        }
        if (!ok) {
            corrupt++;
            delete(f);
            return null;
        }
        try {
            Files.setLastModifiedTime(f, FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException ignored) {
            // the hit still counts; only its recency is lost
        }
        return ByteBuffer.wrap(all, head, all.length - head).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Stores {@code payload} under {@code key} (atomically), then deletes the least recently used files over the bound. */
    public synchronized void put(String key, byte[] payload) {
        byte[] k = key.getBytes(StandardCharsets.US_ASCII);
        Path f = file(key);
        if (MAGIC.length + 20L + k.length + payload.length > maxBytes) return;
        ByteBuffer head = ByteBuffer.allocate(MAGIC.length + 4 + 4 + k.length + 8 + 4).order(ByteOrder.LITTLE_ENDIAN);
        CRC32C c = new CRC32C();
        c.update(payload);
        head.put(MAGIC).putInt(VERSION).putInt(k.length).put(k).putLong(payload.length).putInt((int) c.getValue());
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, key, ".tmp");
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                head.flip();
                while (head.hasRemaining()) ch.write(head);
                ByteBuffer p = ByteBuffer.wrap(payload);
                while (p.hasRemaining()) ch.write(p);
            }
            try {
                Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            return; // a cache that cannot be written is only a cache miss later
        } finally {
            if (tmp != null) delete(tmp);
        }
        evict();
    }

    /** Bytes of the cache files in the directory. */
    public synchronized long bytes() {
        long sum = 0;
        for (Path p : files()) sum += size(p);
        return sum;
    }

    /** Deletes the file stored under {@code key}, if any. */
    public synchronized void remove(String key) {
        delete(file(key));
    }

    public synchronized boolean contains(String key) {
        return Files.exists(file(key));
    }

    private void evict() {
        List<Path> fs = files();
        long sum = 0;
        for (Path p : fs) sum += size(p);
        if (sum <= maxBytes) return;
        fs.sort(Comparator.comparing(DiskTier::modified));
        for (Path p : fs) {
            if (sum <= maxBytes) break;
            sum -= size(p);
            delete(p);
        }
    }

    private List<Path> files() {
        try (Stream<Path> s = Files.list(dir)) {
            return new ArrayList<>(s.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).toList());
        } catch (IOException e) {
            return new ArrayList<>();
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    private static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // left for the next eviction
        }
    }
}
