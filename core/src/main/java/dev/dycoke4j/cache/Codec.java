package dev.dycoke4j.cache;

import java.nio.ByteBuffer;

/** Turns a cached value into bytes for the disk tier and back; {@link #read} throws on malformed bytes. */
public interface Codec<V> {
    /** The bytes the value takes in memory (for the byte bound of the memory tier). */
    long bytes(V value);

    byte[] write(V value);

    /** @throws RuntimeException when the bytes do not hold a value of this kind */
    V read(ByteBuffer bytes);
}
