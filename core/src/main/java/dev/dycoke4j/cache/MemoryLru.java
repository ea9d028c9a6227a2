package dev.dycoke4j.cache;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * Values by key, least recently used evicted first, bounded by the sum of their byte sizes. A value larger than the
 * whole bound is not kept. Thread-safe (every method synchronized).
 */
public final class MemoryLru<V> {
    private final long maxBytes;
    private final ToLongFunction<V> size;
    private final LinkedHashMap<String, V> map = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    public MemoryLru(long maxBytes, ToLongFunction<V> size) {
        if (maxBytes < 0) throw new IllegalArgumentException("a cache bound must be at least 0 bytes, got " + maxBytes);
        this.maxBytes = maxBytes;
        this.size = size;
    }

    public synchronized V get(String key) {
        return map.get(key);
    }

    /** Keeps the value (replacing any under the same key), then evicts the least recently used until within bound. */
    public synchronized void put(String key, V value) {
        V old = map.remove(key);
        if (old != null) bytes -= size.applyAsLong(old);
        long b = size.applyAsLong(value);
        if (b > maxBytes) return;
        map.put(key, value);
        bytes += b;
        Iterator<Map.Entry<String, V>> it = map.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            bytes -= size.applyAsLong(it.next().getValue());
            it.remove();
        }
    }

    public synchronized boolean contains(String key) {
        return map.containsKey(key);
    }

    public synchronized void clear() {
        map.clear();
        bytes = 0;
    }

    public synchronized long bytes() {
        return bytes;
    }

    public synchronized int size() {
        return map.size();
    }

    public long maxBytes() {
        return maxBytes;
    }
}
