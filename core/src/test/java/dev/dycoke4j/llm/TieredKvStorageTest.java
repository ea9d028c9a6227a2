package dev.dycoke4j.llm;

import dev.dycoke4j.kernel.KvCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static dev.dycoke4j.llm.KvStorageTesting.D;
import static dev.dycoke4j.llm.KvStorageTesting.H;
import static dev.dycoke4j.llm.KvStorageTesting.KVDIM;
import static dev.dycoke4j.llm.KvStorageTesting.KVH;
import static dev.dycoke4j.llm.KvStorageTesting.SCALE;
import static dev.dycoke4j.llm.KvStorageTesting.append;
import static dev.dycoke4j.llm.KvStorageTesting.randoms;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tiered layer: float rows read back exactly and compact ones as their decoded encoding, each store counted at its
 * own size, and its (one token) attention against the scalar definition over what it holds.
 */
class TieredKvStorageTest {
    static final int N = 70, SPAN0 = 5, SPAN = 55;

    /** Slot s of the span is kept (stays float) when s % 4 == 0. */
    static boolean[] keep() {
        boolean[] keep = new boolean[SPAN];
        for (int i = 0; i < SPAN; i++) keep[i] = (SPAN0 + i) % 4 == 0;
        return keep;
    }

    /** A row after a trip through the compact store: per kv head, encoded then decoded. */
    static float[] roundTrip(float[] a, int off, KvCache.CompactType t) {
        float[] out = new float[KVDIM];
        for (int g = 0; g < KVH; g++) {
            if (t == KvCache.CompactType.INT8) {
                byte[] q = new byte[D];
                KvCodec.dequantizeInt8(q, 0, KvCodec.quantizeInt8(a, off + g * D, q, 0, D), out, g * D, D);
            } else {
                short[] h = new short[D];
                KvCodec.encodeBf16(a, off + g * D, h, 0, D);
                KvCodec.decodeBf16(h, 0, out, g * D, D);
            }
        }
        return out;
    }

    static long compactRowBytes(KvCache.CompactType t) {
        return t == KvCache.CompactType.INT8 ? 2L * (KVDIM + KVH * Float.BYTES) : 2L * KVDIM * Short.BYTES;
    }

    /** {@code N} random slots, retiered; {@code k}, {@code v} receive what each slot should read back as. */
    static TieredKvStorage tiered(KvCache.CompactType t, float[] k, float[] v, SplittableRandom r) {
        System.arraycopy(randoms(r, N * KVDIM), 0, k, 0, N * KVDIM);
        System.arraycopy(randoms(r, N * KVDIM), 0, v, 0, N * KVDIM);
        F32KvStorage plain = new F32KvStorage(3, KVH, D, 8);
        append(plain, k, v, 0, N, true);
        TieredKvStorage s = plain.tiered(t);
        s.retier(SPAN0, keep());
        for (int i = 0; i < SPAN; i++)
            if (!keep()[i]) {
                int slot = SPAN0 + i;
                System.arraycopy(roundTrip(k, slot * KVDIM, t), 0, k, slot * KVDIM, KVDIM);
                System.arraycopy(roundTrip(v, slot * KVDIM, t), 0, v, slot * KVDIM, KVDIM);
            }
        return s;
    }

    @ParameterizedTest
    @EnumSource(KvCache.CompactType.class)
    void readsBackEachStoreAndCountsEachAtItsOwnSize(KvCache.CompactType t) {
        float[] k = new float[(N + 1) * KVDIM], v = new float[(N + 1) * KVDIM];
        TieredKvStorage s = tiered(t, k, v, new SplittableRandom(7));
        int compact = 0;
        for (boolean kept : keep()) if (!kept) compact++;
        assertEquals(compact, s.compactSlots());
        for (int slot = 0; slot < N; slot++) {
            boolean inSpan = slot >= SPAN0 && slot < SPAN0 + SPAN;
            assertEquals(inSpan && !keep()[slot - SPAN0], s.isCompact(slot), "slot " + slot);
        }
        assertArrayEquals(Arrays.copyOf(k, N * KVDIM), s.keyRows(N), "float rows exact, compact ones decoded");
        assertArrayEquals(Arrays.copyOf(v, N * KVDIM), s.valueRows(N));
        assertEquals(2L * (N - compact) * KVDIM * Float.BYTES, s.bytes(), "the float rows");
        assertEquals(compact * compactRowBytes(t), s.compactBytes(), "the compact rows, with their scales for int8");
        assertEquals(2L * s.floatCapacity() * KVDIM * Float.BYTES + s.compactCapacity() * compactRowBytes(t) + 4L * s.rowOf.length,
                s.capacityBytes(), "both stores' arrays and the slot map");

        // the next token takes a float row
        float[] nk = randoms(new SplittableRandom(8), KVDIM);
        System.arraycopy(nk, 0, k, N * KVDIM, KVDIM);
        System.arraycopy(nk, 0, v, N * KVDIM, KVDIM);
        s.reserve(1, 1 << 20);
        s.put(N, 1, nk, 0, nk, 0);
        s.advance(1);
        assertArrayEquals(k, s.keyRows(N + 1));
        assertEquals(2L * (N + 1 - compact) * KVDIM * Float.BYTES, s.bytes());

        s.truncate(20);
        assertEquals(20, s.length());
        int left = 0;
        for (int slot = 0; slot < 20; slot++) if (s.isCompact(slot)) left++;
        assertEquals(left, s.compactSlots());
        assertEquals(2L * (20 - left) * KVDIM * Float.BYTES, s.bytes());
        assertEquals(left * compactRowBytes(t), s.compactBytes());
    }

    @ParameterizedTest
    @EnumSource(KvCache.CompactType.class)
    void attendsAsTheScalarDefinitionOverWhatItHolds(KvCache.CompactType t) {
        SplittableRandom r = new SplittableRandom(9);
        float[] k = new float[N * KVDIM], v = new float[N * KVDIM];
        TieredKvStorage s = tiered(t, k, v, r);
        KvStorageTesting.assertDecodesLikeScalar(s, k, v, N, r);
    }

    @Test
    void takesOneTokenAtATimeAndKeepsOneCompactType() {
        float[] k = new float[N * KVDIM], v = new float[N * KVDIM];
        TieredKvStorage s = tiered(KvCache.CompactType.INT8, k, v, new SplittableRandom(10));
        var e = assertThrows(IllegalStateException.class, () -> s.reserve(2, 1 << 20));
        assertTrue(e.getMessage().startsWith("layer 3 keeps a tiered (compact) KV store and takes one token at a time"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> s.attend(new float[2 * H * D], 2, N - 2, H, SCALE, null, new float[2 * H * D], null));
        assertSame(s, s.tiered(KvCache.CompactType.INT8));
        assertThrows(IllegalArgumentException.class, () -> s.tiered(KvCache.CompactType.BF16));
    }
}
