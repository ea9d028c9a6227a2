package dev.dycoke4j.cache;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A memory LRU bounded by bytes, over an optional {@link DiskTier}: a value is looked up in memory, then on disk
 * (decoded and brought back into memory); a new value goes to both. A disk entry that passes its checksum but does not
 * decode (written by another version, say) is a miss: it is deleted, counted in {@link #corruptEntries()} and reported
 * to the {@link #warnings warning sink} (by default this class's {@link System.Logger} at WARNING).
 */
public final class TieredCache<V> {
    private final MemoryLru<V> memory;
    private final DiskTier disk;
    private final Codec<V> codec;
    private volatile Consumer<String> warnings = TieredCache::log;
    private long hits, diskHits, misses, corrupt;

    /** @param disk null for memory only */
    public TieredCache(long memoryBytes, DiskTier disk, Codec<V> codec) {
        this.memory = new MemoryLru<>(memoryBytes, codec::bytes);
        this.disk = disk;
        this.codec = codec;
    }

    /** A cache that keeps nothing. */
    public static <V> TieredCache<V> disabled(Codec<V> codec) {
        return new TieredCache<>(0, null, codec);
    }

    public V get(String key) {
        V v = memory.get(key);
        if (v == null && disk != null) {
            ByteBuffer b = disk.get(key);
            if (b != null) {
                try {
                    v = codec.read(b);
                } catch (RuntimeException e) {
                    v = null;
                    undecodable(key, e);
                }
                if (v != null) {
                    memory.put(key, v);
                    synchronized (this) {
                        diskHits++;
                    }
                }
            }
        }
        synchronized (this) {
            if (v != null) hits++;
            else misses++;
        }
        return v;
    }

    private void undecodable(String key, RuntimeException e) {
        disk.remove(key);
        synchronized (this) {
            corrupt++;
        }
        warnings.accept("cache entry " + key + " in " + disk.dir() + " does not decode (" + e + "); deleted it");
    }

    private static void log(String warning) {
        System.getLogger(TieredCache.class.getName()).log(System.Logger.Level.WARNING, warning);
    }

    /** Where warnings about damaged disk entries go (one line each), instead of this class's logger. */
    public TieredCache<V> warnings(Consumer<String> sink) {
        this.warnings = Objects.requireNonNull(sink, "sink");
        return this;
    }

    public void put(String key, V value) {
        memory.put(key, value);
        if (disk != null && codec.bytes(value) < Integer.MAX_VALUE - 1024) disk.put(key, codec.write(value));
    }

    /** Empties the memory tier (the disk tier stays). */
    public void clearMemory() {
        memory.clear();
    }

    public MemoryLru<V> memory() {
        return memory;
    }

    public DiskTier disk() {
        return disk;
    }

    public synchronized long hits() {
        return hits;
    }

    public synchronized long diskHits() {
        return diskHits;
    }

    public synchronized long misses() {
        return misses;
    }

    /** Disk entries that passed their checksum but did not decode, and were deleted. */
    public synchronized long corruptEntries() {
        return corrupt;
    }
}
