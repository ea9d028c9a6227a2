package dev.dycoke4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The BPE vocabulary: token to id and back. Tokens are kept as UTF-8 bytes in one arena with an open-addressing hash
 * table over them, so that lookups (including of the concatenation of two byte ranges, needed for every merge) create
 * no objects. Each slot keeps the token's hash next to its id, so that probing rarely touches the arena.
 */
final class Vocab {
    private byte[] arena = new byte[1 << 20];
    private int arenaSize;
    /** Per id, at 2 id and 2 id + 1: where its token starts in the arena and its length (-1: no token). */
    private int[] spans = new int[1 << 11];
    private int maxId = -1;
    /** Hash slots: {@code hash << 32 | (id + 1)}, 0 for empty. */
    private long[] slots = new long[1 << 11];
    private int count;

    Vocab() {
        Arrays.fill(spans, -1);
    }

    /** Adds a token (replacing any token with the same bytes, as a JSON object's later duplicate key does). */
    void put(byte[] src, int off, int len, int id) {
        if (2 * id + 1 >= spans.length) {
            int old = spans.length;
            spans = Arrays.copyOf(spans, Math.max(2 * id + 2, 2 * old));
            Arrays.fill(spans, old, spans.length, -1);
        }
        if (arenaSize + len > arena.length) {
            arena = Arrays.copyOf(arena, Math.max(arenaSize + len, arena.length * 2));
        }
        int h = hash(src, off, len, 0);
        int slot = find(src, off, len, null, 0, 0, h);
        if (slots[slot] != 0) {
            spans[2 * idAt(slot) + 1] = -1; // the old id loses its token
        } else {
            count++;
        }
        System.arraycopy(src, off, arena, arenaSize, len);
        slots[slot] = ((long) h << 32) | (id + 1L);
        spans[2 * id] = arenaSize;
        spans[2 * id + 1] = len;
        arenaSize += len;
        maxId = Math.max(maxId, id);
        if (count * 2 > slots.length) {
            rehash();
        }
    }

    /** The id of the token with these UTF-8 bytes, or -1. */
    int get(byte[] src, int off, int len) {
        int slot = find(src, off, len, null, 0, 0, hash(src, off, len, 0));
        return slots[slot] == 0 ? -1 : idAt(slot);
    }

    /** The id of the token whose UTF-8 bytes are {@code a[aOff..aOff+aLen)} followed by {@code b[bOff..bOff+bLen)}. */
    int getConcat(byte[] a, int aOff, int aLen, byte[] b, int bOff, int bLen) {
        int slot = find(a, aOff, aLen, b, bOff, bLen, hash(b, bOff, bLen, hash(a, aOff, aLen, 0)));
        return slots[slot] == 0 ? -1 : idAt(slot);
    }

    int get(String token) {
        byte[] b = token.getBytes(StandardCharsets.UTF_8);
        return get(b, 0, b.length);
    }

    /** The token of an id, or null. */
    String token(int id) {
        if (id < 0 || id > maxId || spans[2 * id + 1] < 0) {
            return null;
        }
        return new String(arena, spans[2 * id], spans[2 * id + 1], StandardCharsets.UTF_8);
    }

    int maxId() {
        return maxId;
    }

    private int idAt(int slot) {
        return (int) slots[slot] - 1;
    }

    private static int hash(byte[] src, int off, int len, int seed) {
        int h = seed;
        for (int i = off; i < off + len; i++) {
            h = 31 * h + src[i];
        }
        return h;
    }

    /** murmur3's finalizer, so that the low bits used for the slot depend on every byte. */
    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        return h ^ (h >>> 16);
    }

    /** The slot holding the token a + b, or the empty slot where it would go. */
    private int find(byte[] a, int aOff, int aLen, byte[] b, int bOff, int bLen, int h) {
        int mask = slots.length - 1;
        int slot = mix(h) & mask;
        while (true) {
            long s = slots[slot];
            if (s == 0 || ((int) (s >>> 32) == h && matches((int) s - 1, a, aOff, aLen, b, bOff, bLen))) {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
    }

    private boolean matches(int id, byte[] a, int aOff, int aLen, byte[] b, int bOff, int bLen) {
        if (spans[2 * id + 1] != aLen + bLen) {
            return false;
        }
        int o = spans[2 * id];
        return Arrays.equals(arena, o, o + aLen, a, aOff, aOff + aLen)
                && (bLen == 0 || Arrays.equals(arena, o + aLen, o + aLen + bLen, b, bOff, bOff + bLen));
    }

    private void rehash() {
        long[] old = slots;
        slots = new long[old.length * 2];
        int mask = slots.length - 1;
        for (long s : old) {
            if (s != 0) {
                int slot = mix((int) (s >>> 32)) & mask;
                while (slots[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                slots[slot] = s;
            }
        }
    }
}
