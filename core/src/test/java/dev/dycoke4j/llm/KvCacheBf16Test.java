package dev.dycoke4j.llm;

import dev.dycoke4j.kernel.Bf16;
import dev.dycoke4j.kernel.KvCodec;
import dev.dycoke4j.pipeline.LlavaOneVision;
import dev.dycoke4j.pipeline.LoadOptions;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A KV cache of bfloat16 entries: what it stores, grows, moves and snapshots, and a model running on it. */
class KvCacheBf16Test {
    static float[] rounded(float[] a) {
        float[] b = new float[a.length];
        for (int i = 0; i < a.length; i++) b[i] = KvCodec.fromBf16(KvCodec.toBf16(a[i]));
        return b;
    }

    @Test
    void entriesReadBackAsTheirRoundedValuesAndTakeHalfTheBytes() {
        // a head of 2 runs and a tail, so both parts of the row layout are used on any vector width
        int layers = 2, KVH = 2, D = 2 * Bf16.RUN + 3, kvDim = KVH * D, n = 45;
        SplittableRandom r = new SplittableRandom(1);
        KvCache half = new KvCache(layers, KVH, D, 4096, 4, KvCache.Precision.BF16), full = new KvCache(layers, KVH, D, 4096, 4);
        assertEquals(KvCache.Precision.BF16, half.precision());
        float[] k = KernelRandoms.of(r, n * kvDim), v = KernelRandoms.of(r, n * kvDim);
        for (KvCache c : new KvCache[]{half, full})
            for (int l = 0; l < layers; l++) { // one prefill of 40, then five single tokens: the arrays grow
                c.reserve(l, 40);
                c.put(l, 0, 40, k, 0, v, 0);
                c.advance(l, 40);
                for (int s = 40; s < n; s++) {
                    c.reserve(l, 1);
                    c.put(l, s, k, s * kvDim, v, s * kvDim);
                    c.advance(l, 1);
                }
            }
        for (int l = 0; l < layers; l++) {
            assertArrayEquals(rounded(k), half.keyRows(l, n), "layer " + l + " keys");
            assertArrayEquals(rounded(v), half.valueRows(l, n), "layer " + l + " values");
            float[] one = new float[kvDim];
            half.readValues(l, 41, one, 0);
            assertArrayEquals(Arrays.copyOfRange(rounded(v), 41 * kvDim, 42 * kvDim), one);
            assertArrayEquals(k, full.keyRows(l, n), "float32 keeps them exactly");
        }
        assertEquals(full.bytes() / 2, half.bytes());
        assertEquals(full.capacityBytes() / 2, half.capacityBytes());
        for (int l = 0; l < layers; l++) {
            assertInstanceOf(Bf16KvStorage.class, half.storage(l));
            assertInstanceOf(F32KvStorage.class, full.storage(l));
        }
    }

    @Test
    void retieringWidensTheLayerAndSnapshotsRoundTrip() {
        int layers = 3, KVH = 2, D = 8, kvDim = KVH * D, n = 20;
        SplittableRandom r = new SplittableRandom(2);
        KvCache c = new KvCache(layers, KVH, D, 4096, n, KvCache.Precision.BF16);
        float[] k = KernelRandoms.of(r, n * kvDim), v = KernelRandoms.of(r, n * kvDim);
        for (int l = 0; l < layers; l++) {
            c.reserve(l, n);
            c.put(l, 0, n, k, 0, v, 0);
            c.advance(l, n);
        }
        int[] ids = new Random(3).ints(n, 0, 100).toArray();
        KvSnapshot snap = KvSnapshot.capture(c, ids, n);
        KvCache back = new KvCache(layers, KVH, D, 4096, n, KvCache.Precision.BF16);
        snap.restore(back, n);
        for (int l = 0; l < layers; l++) {
            assertArrayEquals(c.keyRows(l, n), back.keyRows(l, n), "a restored bf16 cache holds the same entries");
            assertArrayEquals(c.valueRows(l, n), back.valueRows(l, n));
        }

        int[] active = {0, 1, 2, 5, 9, 19};
        c.retier(1, 0, n, active, KvCache.CompactType.INT8);
        assertFalse(c.tiered(0));
        assertTrue(c.tiered(1) && c.tiered(2));
        float[] got = new float[kvDim], want = rounded(k);
        for (int s : active) {
            c.readKeys(2, s, got, 0);
            assertArrayEquals(Arrays.copyOfRange(want, s * kvDim, (s + 1) * kvDim), got, "slot " + s + " kept in the float store");
        }
        // a tiered layer takes the next token in float32, as with a float32 cache
        c.reserve(2, 1);
        float[] kn = KernelRandoms.of(r, kvDim), vn = KernelRandoms.of(r, kvDim);
        c.put(2, n, kn, 0, vn, 0);
        c.advance(2, 1);
        c.readValues(2, n, got, 0);
        assertArrayEquals(vn, got);
    }

    /**
     * The oracle model on a bf16 cache: prefill (flash over grouped heads) and decode (one query) stay within the
     * rounding of keys and values of the float32 cache's logits, and a prefix restored into a bf16 cache gives what
     * the full bf16 prefill gives.
     */
    @Test
    void theOracleModelOnABf16CacheStaysCloseToFloat32() {
        try (LlavaOneVision f32 = LlavaOneVision.load(Oracle.model()); LlavaOneVision bf16 = LlavaOneVision.load(Oracle.model(),
                LoadOptions.asStored().withKvCache(KvCache.Precision.BF16))) {
            assertEquals(KvCache.Precision.BF16, bf16.kvCache());
            Qwen2Decoder a = f32.decoder(), b = bf16.decoder();
            int T = 90, d = a.config().hiddenSize();
            int[] ids = new Random(5).ints(T, 0, 400).toArray();
            KvCache ca = a.newCache(T + 8), cb = b.newCache(T + 8);
            assertEquals(KvCache.Precision.BF16, cb.precision());
            float[] la = a.forward(a.embed(ids), T, ca, T), lb = b.forward(b.embed(ids), T, cb, T);
            Oracle.assertClose("prefill logits on a bf16 cache", lb, la, 2e-2);
            int ta = argmax(la, (T - 1) * a.config().vocabSize()), tb = argmax(lb, (T - 1) * a.config().vocabSize());
            assertEquals(ta, tb, "the same greedy token");
            for (int step = 0; step < 6; step++) { // decode steps, each over the whole cache
                float[] da = a.forward(a.embed(new int[]{ta}), 1, ca, 1), db = b.forward(b.embed(new int[]{tb}), 1, cb, 1);
                Oracle.assertClose("decode step " + step + " logits on a bf16 cache", db, da, 2e-2);
                ta = argmax(da, 0);
                tb = argmax(db, 0);
                assertEquals(ta, tb, "the same greedy token at step " + step);
            }

            int p = 60;
            KvCache whole = b.newCache(T);
            float[] want = b.forward(b.embed(ids), T, whole, 1);
            KvCache part = b.newCache(T);
            KvSnapshot.capture(whole, ids, p).restore(part, p);
            float[] got = b.forward(Arrays.copyOfRange(b.embed(ids), p * d, T * d), T - p, part, 1);
            Oracle.assertClose("logits after a restored bf16 prefix", got, want, 1e-4);
        }
    }

    static int argmax(float[] v, int off) {
        int n = v.length - off, best = 0;
        for (int i = 1; i < n; i++) if (v[off + i] > v[off + best]) best = i;
        return best;
    }

    /** Random floats in [-2, 2). */
    static final class KernelRandoms {
        static float[] of(SplittableRandom r, int n) {
            float[] a = new float[n];
            for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() * 4 - 2);
            return a;
        }
    }
}
