package dev.dycoke4j.cache;

import java.nio.ByteBuffer;

/**
 * A memory LRU bounded by bytes, over an optional {@link DiskTier}: a value is looked up in memory, then on disk
 * (decoded and brought back into memory); a new value goes to both. A disk file that does not decode is a miss.
 */
public final class TieredCache<V> {
    private final MemoryLru<V> memory;
    private final DiskTier disk;
    private final Codec<V> codec;
    private long hits, diskHits, misses;

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
                    v = null; // a file that passed its checksum but holds something else: a miss
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
}
