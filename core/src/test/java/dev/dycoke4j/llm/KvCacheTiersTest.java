package dev.dycoke4j.llm;

import dev.dycoke4j.kernel.IndexedAttention;
import dev.dycoke4j.kernel.KeyPanels;
import dev.dycoke4j.kernel.KvCodec;
import dev.dycoke4j.kernel.TieredAttention;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tiered KV store: the int8 and bf16 codecs, retier, byte accounting, repacking, and attention over both tiers. */
class KvCacheTiersTest {
    static final int KVH = 2, D = 8, KVDIM = KVH * D;

    static float[] randoms(SplittableRandom r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        return a;
    }

    // ---- codecs

    @Test
    void int8RoundTripIsWithinHalfAStep() {
        SplittableRandom r = new SplittableRandom(1);
        for (int n : new int[]{1, 5, 8, 13, 16, 31, 64, 67}) {
            for (double mag : new double[]{1e-3, 1, 300}) {
                float[] x = randoms(r, n + 3, mag);
                byte[] q = new byte[n + 5];
                float scale = KvCodec.quantizeInt8(x, 3, q, 2, n);
                float max = 0;
                for (int i = 0; i < n; i++) max = Math.max(max, Math.abs(x[3 + i]));
                assertEquals(max / 127f, scale, "scale = max|x| / 127");
                float[] back = new float[n + 1];
                KvCodec.dequantizeInt8(q, 2, scale, back, 1, n);
                for (int i = 0; i < n; i++) {
                    assertTrue(q[2 + i] >= -127 && q[2 + i] <= 127);
                    assertEquals(q[2 + i] * scale, back[1 + i], "vector dequantization is q·scale exactly");
                    assertTrue(Math.abs(x[3 + i] - back[1 + i]) <= scale * 0.50002f, n + " " + mag + ": " + x[3 + i] + " -> " + back[1 + i]);
                    assertEquals(Math.round(x[3 + i] / scale), q[2 + i], 1, "round to nearest");
                }
                assertEquals(0, back[0], "nothing written before the offset");
            }
        }
        byte[] q = {9, 9, 9};
        assertEquals(0f, KvCodec.quantizeInt8(new float[3], 0, q, 0, 3));
        assertArrayEquals(new byte[3], q);
        assertThrows(IllegalArgumentException.class, () -> KvCodec.quantizeInt8(new float[]{1, Float.NaN}, 0, new byte[2], 0, 2));
    }

    @Test
    void int8RoundsTiesToEven() {
        // scale 1: max 127; 2.5 -> 2, 3.5 -> 4, -0.5 -> 0
        byte[] q = new byte[4];
        float s = KvCodec.quantizeInt8(new float[]{127, 2.5f, 3.5f, -0.5f}, 0, q, 0, 4);
        assertEquals(1f, s);
        assertArrayEquals(new byte[]{127, 2, 4, 0}, q);
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertEquals((short) 0x3F80, KvCodec.toBf16(1f));
        assertEquals((short) 0x3F80, KvCodec.toBf16(1f + 0x1p-8f), "a tie goes to the even neighbour");
        assertEquals((short) 0x3F82, KvCodec.toBf16(1f + 3 * 0x1p-8f), "a tie goes to the even neighbour");
        assertEquals((short) 0x3F81, KvCodec.toBf16(1f + 0x1p-8f + 0x1p-20f));
        assertEquals((short) 0xBF80, KvCodec.toBf16(-1f));
        assertTrue(Float.isNaN(KvCodec.fromBf16(KvCodec.toBf16(Float.NaN))));
        assertEquals(Float.POSITIVE_INFINITY, KvCodec.fromBf16(KvCodec.toBf16(Float.POSITIVE_INFINITY)));
        SplittableRandom r = new SplittableRandom(2);
        for (int n : new int[]{1, 7, 8, 16, 33, 64}) {
            float[] x = randoms(r, n, 50);
            short[] h = new short[n];
            KvCodec.encodeBf16(x, 0, h, 0, n);
            float[] back = new float[n];
            KvCodec.decodeBf16(h, 0, back, 0, n);
            for (int i = 0; i < n; i++) {
                assertEquals(KvCodec.fromBf16(h[i]), back[i], "vector decoding equals the scalar one");
                assertTrue(Math.abs(x[i] - back[i]) <= Math.abs(x[i]) * 0x1p-8f, x[i] + " -> " + back[i]);
            }
        }
    }

    /** What a row reads back as after a trip through the compact store: per kv head, encoded then decoded. */
    static float[] roundTrip(float[] row, KvCache.CompactType t) {
        float[] out = new float[row.length];
        for (int g = 0; g < KVH; g++) {
            if (t == KvCache.CompactType.INT8) {
                byte[] q = new byte[D];
                float s = KvCodec.quantizeInt8(row, g * D, q, 0, D);
                KvCodec.dequantizeInt8(q, 0, s, out, g * D, D);
            } else {
                short[] h = new short[D];
                KvCodec.encodeBf16(row, g * D, h, 0, D);
                KvCodec.decodeBf16(h, 0, out, g * D, D);
            }
        }
        return out;
    }

    // ---- the store

    /** A cache with {@code slots} random rows in every layer; {@code keys[l][slot]}, {@code values[l][slot]} get copies. */
    static KvCache filled(int layers, int slots, int initial, float[][][] keys, float[][][] values, SplittableRandom r) {
        KvCache c = new KvCache(layers, KVH, D, 4096, initial);
        for (int s = 0; s < slots; s++) append(c, keys, values, r, s);
        return c;
    }

    static void append(KvCache c, float[][][] keys, float[][][] values, SplittableRandom r, int s) {
        for (int l = 0; l < c.layers(); l++) {
            float[] k = randoms(r, KVDIM, 2), v = randoms(r, KVDIM, 2);
            c.reserve(l, 1);
            c.put(l, s, k, 0, v, 0);
            c.advance(l, 1);
            keys[l][s] = k;
            values[l][s] = v;
        }
    }

    static int[] allBut(int len, int... pruned) {
        TreeSet<Integer> p = new TreeSet<>();
        for (int x : pruned) p.add(x);
        return IntStream.range(0, len).filter(i -> !p.contains(i)).toArray();
    }

    static float[] keysOf(KvCache c, int l, int s) {
        float[] o = new float[KVDIM];
        c.readKeys(l, s, o, 0);
        return o;
    }

    static float[] valuesOf(KvCache c, int l, int s) {
        float[] o = new float[KVDIM];
        c.readValues(l, s, o, 0);
        return o;
    }

    static long compactRowBytes(KvCache.CompactType t) {
        return t == KvCache.CompactType.INT8 ? 2L * (KVDIM + KVH * 4) : 2L * KVDIM * 2;
    }

    @ParameterizedTest
    @EnumSource(KvCache.CompactType.class)
    void retierMovesExactlyThePrunedSpanSlotsOfTheUpperLayersAndRecallsSelectedOnes(KvCache.CompactType t) {
        int slots = 24;
        float[][][] k = new float[3][64][], v = new float[3][64][];
        KvCache c = filled(3, slots, 32, k, v, new SplittableRandom(3));
        long full = 3L * slots * KVDIM * 2 * 4;
        assertEquals(full, c.bytes());
        c.retier(1, 4, 12, null, t);
        assertFalse(c.tiered(1), "null (the full cache) moves nothing");

        // span [4, 16); 20 is outside the span, so it stays in the float store although not active
        c.retier(1, 4, 12, allBut(slots, 5, 6, 9, 10, 11, 13, 20), t);
        Integer[] first = {5, 6, 9, 10, 11, 13};
        checkCompactSet(c, t, slots, List.of(first));
        assertEquals(slots * KVDIM * 8L + 2 * (slots - 6) * KVDIM * 8L, c.bytes(), "active: the float rows left");
        assertEquals(2 * 6 * compactRowBytes(t), c.prunedBytes(), "pruned: the compact rows, with scales for int8");
        for (int l = 0; l < 3; l++)
            for (int s = 0; s < slots; s++) {
                boolean compact = c.isCompact(l, s);
                float[] ek = compact ? roundTrip(k[l][s], t) : k[l][s], ev = compact ? roundTrip(v[l][s], t) : v[l][s];
                assertArrayEquals(ek, keysOf(c, l, s), "layer " + l + " slot " + s + " keys (read in place when compact)");
                assertArrayEquals(ev, valuesOf(c, l, s), "layer " + l + " slot " + s + " values");
            }

        // a new selection: 5, 10, 11, 13 come back, 4 and 15 go out, 6 and 9 stay out
        c.retier(1, 4, 12, allBut(slots, 4, 6, 9, 15), t);
        checkCompactSet(c, t, slots, List.of(4, 6, 9, 15));
        for (int l = 1; l < 3; l++) {
            for (int s : new int[]{5, 10, 11, 13}) {
                assertArrayEquals(roundTrip(k[l][s], t), keysOf(c, l, s), "recalled keys are the dequantized ones");
                assertArrayEquals(roundTrip(v[l][s], t), valuesOf(c, l, s));
            }
            for (int s : new int[]{0, 3, 7, 8, 12, 14, 16, 20, 23}) {
                assertArrayEquals(k[l][s], keysOf(c, l, s), "never moved: exact");
                assertArrayEquals(v[l][s], valuesOf(c, l, s));
            }
        }
        assertEquals(slots * KVDIM * 8L + 2 * (slots - 4) * KVDIM * 8L, c.bytes());
        assertEquals(2 * 4 * compactRowBytes(t), c.prunedBytes());
        assertThrows(IllegalArgumentException.class, () -> c.retier(1, 4, 12, new int[]{0},
                t == KvCache.CompactType.INT8 ? KvCache.CompactType.BF16 : KvCache.CompactType.INT8));
    }

    static void checkCompactSet(KvCache c, KvCache.CompactType t, int slots, List<Integer> compact) {
        assertFalse(c.tiered(0), "layers below L are untouched");
        for (int s = 0; s < slots; s++) assertFalse(c.isCompact(0, s));
        for (int l = 1; l < 3; l++) {
            assertTrue(c.tiered(l));
            assertEquals(t, ((TieredKvStorage) c.storage(l)).type());
            assertEquals(compact.size(), c.compactSlots(l));
            for (int s = 0; s < slots; s++) assertEquals(compact.contains(s), c.isCompact(l, s), "layer " + l + " slot " + s);
        }
    }

    @ParameterizedTest
    @EnumSource(KvCache.CompactType.class)
    void repackReleasesMemoryAndKeepsEveryRow(KvCache.CompactType t) {
        SplittableRandom r = new SplittableRandom(4);
        int slots = 120, cap = 200;
        float[][][] k = new float[2][400][], v = new float[2][400][];
        KvCache c = filled(2, slots, cap, k, v, r);
        long before = c.capacityBytes();
        assertEquals(2L * (KeyPanels.floats(cap, KVH, D) + cap * KVDIM) * 4, before, "keys in whole panels, values in rows");
        // span [10, 110): keep every 10th
        int[] pruned = IntStream.range(10, 110).filter(s -> s % 10 != 0).toArray();
        c.retier(1, 10, 100, allBut(slots, pruned), t);
        TieredKvStorage tier = (TieredKvStorage) c.storage(1);
        assertEquals(slots - 90, tier.floatRows());
        assertEquals(90, tier.compactSlots());
        assertTrue(tier.repacks() >= 1, "the float store was repacked");
        assertEquals(30 + TieredKvStorage.headroom(30), tier.floatCapacity(), "float store at the live size plus headroom");
        assertTrue(tier.compactCapacity() <= 90 + TieredKvStorage.headroom(90));
        long layer0 = (KeyPanels.floats(cap, KVH, D) + cap * KVDIM) * 4L;
        assertEquals(layer0 + 2L * tier.floatCapacity() * KVDIM * 4 + tier.compactCapacity() * compactRowBytes(t) + 4L * cap,
                c.capacityBytes(), "what the arrays hold");
        assertTrue(c.capacityBytes() - layer0 < layer0 / 2, "layer 1 holds " + (c.capacityBytes() - layer0) + " bytes, was " + layer0);

        // the expected contents: originals, rounded through the codec each time a slot is demoted
        float[][] ek = new float[400][], ev = new float[400][];
        for (int s = 0; s < slots; s++) {
            boolean comp = c.isCompact(1, s);
            ek[s] = comp ? roundTrip(k[1][s], t) : k[1][s];
            ev[s] = comp ? roundTrip(v[1][s], t) : v[1][s];
        }
        int len = slots;
        for (int step = 0; step < 40; step++) {
            // decode a token, then re-select a random third of the span
            c.reserve(0, 1);
            float[] nk = randoms(r, KVDIM, 2), nv = randoms(r, KVDIM, 2);
            c.put(0, len, nk, 0, nv, 0);
            c.advance(0, 1);
            c.reserve(1, 1);
            c.put(1, len, nk, 0, nv, 0);
            c.advance(1, 1);
            ek[len] = nk;
            ev[len] = nv;
            len++;
            List<Integer> act = new ArrayList<>();
            for (int s = 0; s < len; s++) if (s < 10 || s >= 110 || r.nextInt(3) == 0) act.add(s);
            boolean[] wasCompact = new boolean[len];
            for (int s = 0; s < len; s++) wasCompact[s] = c.isCompact(1, s);
            c.retier(1, 10, 100, act.stream().mapToInt(Integer::intValue).toArray(), t);
            for (int s = 0; s < len; s++) {
                boolean comp = c.isCompact(1, s);
                assertEquals(!act.contains(s), comp, "step " + step + " slot " + s);
                if (comp && !wasCompact[s]) {
                    ek[s] = roundTrip(ek[s], t);
                    ev[s] = roundTrip(ev[s], t);
                }
                assertArrayEquals(ek[s], keysOf(c, 1, s), "step " + step + " slot " + s);
                assertArrayEquals(ev[s], valuesOf(c, 1, s), "step " + step + " slot " + s);
            }
            assertFalse(TieredKvStorage.wasteful(tier.floatCapacity(), tier.floatRows()), "float store repacked when wasteful");
            assertFalse(TieredKvStorage.wasteful(tier.compactCapacity(), tier.compactSlots()), "compact store repacked when wasteful");
            assertEquals((long) len * KVDIM * 8 + (long) tier.floatRows() * KVDIM * 8, c.bytes());
            assertEquals(tier.compactSlots() * compactRowBytes(t), c.prunedBytes());
            assertEquals(len, tier.floatRows() + tier.compactSlots());
        }
        assertTrue(tier.repacks() >= 3, "repacks: " + tier.repacks());
    }

    @Test
    void truncateFreesTheRowsOfBothStores() {
        float[][][] k = new float[2][64][], v = new float[2][64][];
        KvCache c = filled(2, 30, 32, k, v, new SplittableRandom(5));
        c.retier(1, 0, 30, new int[]{0, 2, 29}, KvCache.CompactType.INT8);
        assertEquals(27, c.compactSlots(1));
        c.truncate(10);
        assertEquals(10, c.length(1));
        assertEquals(8, c.compactSlots(1));
        assertEquals(10 * KVDIM * 8L + 2 * KVDIM * 8L, c.bytes());
        assertEquals(8 * compactRowBytes(KvCache.CompactType.INT8), c.prunedBytes());
        assertArrayEquals(k[1][2], keysOf(c, 1, 2));
        assertArrayEquals(roundTrip(k[1][5], KvCache.CompactType.INT8), keysOf(c, 1, 5));
        c.reserve(1, 1);
        c.put(1, 10, k[1][20], 0, v[1][20], 0);
        c.advance(1, 1);
        assertArrayEquals(k[1][20], keysOf(c, 1, 10));
    }

    @Test
    void aTieredLayerTakesOneTokenAtATime() {
        float[][][] k = new float[2][64][], v = new float[2][64][];
        KvCache c = filled(2, 12, 16, k, v, new SplittableRandom(6));
        c.retier(1, 2, 6, new int[]{0, 1, 2}, KvCache.CompactType.INT8);
        var e = assertThrows(IllegalStateException.class, () -> c.reserve(1, 2));
        assertTrue(e.getMessage().contains("layer 1 keeps a tiered (compact) KV store and takes one token at a time"), e.getMessage());
        c.reserve(0, 2); // an untiered layer still takes several
        assertInstanceOf(F32KvStorage.class, c.storage(0), "layers below the retier stay plain");
        assertNotNull(((TieredKvStorage) c.storage(1)).store().rowOf(), "a tiered layer's rows are not its slots");
        var t = assertThrows(IllegalStateException.class, () -> c.storage(1).attend(new float[4 * D], 2, 12, 4, 1f, null, new float[8 * D], null));
        assertTrue(t.getMessage().contains("one token at a time"), t.getMessage());
    }

    // ---- attention over both tiers

    static float[] indexed(float[] q, float[] kd, float[] vd, int H, int len, int[] active, float[] probs) {
        float[] out = new float[H * D];
        IndexedAttention.decode(q, KeyPanels.fromRows(kd, len, len, KVH, D), vd, KVDIM, H, KVH, D, len, active, 0.25f, out, probs);
        return out;
    }

    static void assertClose(float[] want, float[] got, float tol, String what) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++)
            assertEquals(want[i], got[i], tol * Math.max(1, Math.abs(want[i])), what + " [" + i + "]");
    }

    @Test
    void denseTieredAttentionMatchesIndexedAttention() {
        SplittableRandom r = new SplittableRandom(7);
        int H = 4, len = 37;
        float[] kd = randoms(r, len * KVDIM, 1), vd = randoms(r, len * KVDIM, 1), q = randoms(r, H * D, 1);
        for (int[] active : new int[][]{null, {0, 3, 4, 9, 20, 36}}) {
            float[] p1 = new float[len], p2 = new float[len], out = new float[H * D];
            float[] want = indexed(q, kd, vd, H, len, active, p1);
            TieredAttention.decode(q, TieredAttention.Store.dense(KVDIM, KVH, kd, vd), H, D, len, active, 0.25f, out, p2);
            assertClose(want, out, 1e-6f, "out");
            assertClose(p1, p2, 1e-6f, "probs");
        }
    }

    @ParameterizedTest
    @EnumSource(KvCache.CompactType.class)
    void compactRowsAreReadInPlaceAsTheirDequantizedValues(KvCache.CompactType t) {
        SplittableRandom r = new SplittableRandom(8);
        int H = 6, slots = 41;
        float[][][] k = new float[2][64][], v = new float[2][64][];
        KvCache c = filled(2, slots, 48, k, v, r);
        c.retier(1, 3, 30, IntStream.range(0, slots).filter(s -> s % 3 == 0 || s > 33).toArray(), t);
        assertTrue(c.compactSlots(1) > 15);
        // a dense copy of what the tiered layer holds, dequantized
        float[] kd = new float[slots * KVDIM], vd = new float[slots * KVDIM];
        for (int s = 0; s < slots; s++) {
            c.readKeys(1, s, kd, s * KVDIM);
            c.readValues(1, s, vd, s * KVDIM);
        }
        float[] q = randoms(r, H * D, 1);
        for (int[] active : new int[][]{null, {0, 1, 4, 5, 6, 7, 12, 13, 30, 40}}) {
            float[] p1 = new float[slots], p2 = new float[slots], out = new float[H * D];
            float[] want = indexed(q, kd, vd, H, slots, active, p1);
            TieredAttention.decode(q, ((TieredKvStorage) c.storage(1)).store(), H, D, slots, active, 0.25f, out, p2);
            assertClose(want, out, 2e-6f, t + " out");
            assertClose(p1, p2, 2e-6f, t + " probs");
        }
        // and the quantization error against the original rows is small
        float[] ko = new float[slots * KVDIM], vo = new float[slots * KVDIM];
        for (int s = 0; s < slots; s++) {
            System.arraycopy(k[1][s], 0, ko, s * KVDIM, KVDIM);
            System.arraycopy(v[1][s], 0, vo, s * KVDIM, KVDIM);
        }
        float[] exact = indexed(q, ko, vo, H, slots, null, null), out = new float[H * D];
        TieredAttention.decode(q, ((TieredKvStorage) c.storage(1)).store(), H, D, slots, null, 0.25f, out, null);
        for (int i = 0; i < out.length; i++) assertEquals(exact[i], out[i], 0.02, "vs the unquantized cache [" + i + "]");
        assertFalse(Arrays.equals(exact, out), "compact rows were read, not the originals");
    }
}
