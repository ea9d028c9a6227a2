package dev.dycoke4j.kernel;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The bfloat16 KV layout and attention over it. Widening a bfloat16 is exact, so attention over a bfloat16 cache must
 * give what the float32 kernels give over the same values rounded: checked against them and against the scalar twin.
 */
class Bf16AttentionTest {
    static final int RUN = Bf16.RUN;

    /** The cache rounds with {@link KvCodec#toBf16} (tested with the compact store); the cases a whole cache adds. */
    @Test
    void roundingOverflowsToInfinityKeepsNaNsAndIsIdempotent() {
        assertEquals(Float.POSITIVE_INFINITY, KvCodec.fromBf16(KvCodec.toBf16(Float.MAX_VALUE)), "past bfloat16's largest finite value");
        assertTrue(Float.isNaN(KvCodec.fromBf16(KvCodec.toBf16(Float.intBitsToFloat(0x7f800001)))), "a NaN whose payload is all in the low half");
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < 10_000; i++) {
            float f = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(-20, 20)));
            float b = KvCodec.fromBf16(KvCodec.toBf16(f));
            assertTrue(Math.abs(b - f) <= Math.abs(f) / 256, f + " -> " + b);
            assertEquals(b, KvCodec.fromBf16(KvCodec.toBf16(b)), "rounding is idempotent");
        }
    }

    @Test
    void theRowLayoutIsAPermutationThatRoundTrips() {
        SplittableRandom r = new SplittableRandom(3);
        for (int D : new int[]{1, 7, RUN, RUN + 5, 2 * RUN, 3 * RUN + 1, 64, 72, 128}) {
            boolean[] seen = new boolean[D];
            for (int d = 0; d < D; d++) {
                int p = Bf16.rowPos(d, D);
                assertTrue(p >= 0 && p < D && !seen[p], "D=" + D + " d=" + d + " -> " + p);
                seen[p] = true;
            }
            float[] row = KernelTesting.randoms(r, D, 3), back = new float[D + 2];
            short[] h = new short[D + 4];
            Bf16.putRow(row, 0, h, 4, D);
            Bf16.getRow(h, 4, back, 2, D);
            for (int d = 0; d < D; d++) assertEquals(KvCodec.fromBf16(KvCodec.toBf16(row[d])), back[2 + d]);
        }
    }

    @Test
    void keyPanelsOfBf16HoldTheRoundedKeys() {
        SplittableRandom r = new SplittableRandom(4);
        int KVH = 2, D = 24, n = 2 * KeyPanels.KP + 5;
        float[] rows = KernelTesting.randoms(r, n * KVH * D, 2);
        short[] kp = new short[KeyPanels.floats(n, KVH, D)];
        KeyPanels.put(kp, KVH, D, 0, 3, rows, 0, KVH * D);
        KeyPanels.put(kp, KVH, D, 3, n - 3, rows, 3 * KVH * D, KVH * D);
        float[] back = KeyPanels.toRows(kp, n, n, KVH, D);
        for (int i = 0; i < rows.length; i++) assertEquals(KvCodec.fromBf16(KvCodec.toBf16(rows[i])), back[i], "element " + i);
    }

    /** Rounds rows to bfloat16 and back. */
    static float[] rounded(float[] a) {
        float[] b = new float[a.length];
        for (int i = 0; i < a.length; i++) b[i] = KvCodec.fromBf16(KvCodec.toBf16(a[i]));
        return b;
    }

    /** A head-row-wise bfloat16 copy of value rows of {@code kvStride} (heads of D from each row's start). */
    static short[] valueRows(float[] v, int S, int kvStride, int KVH, int D) {
        short[] h = new short[v.length];
        for (int s = 0; s < S; s++)
            for (int g = 0; g < KVH; g++) Bf16.putRow(v, s * kvStride + g * D, h, s * kvStride + g * D, D);
        return h;
    }

    @Test
    void attentionOverBf16MatchesFloatKernelsOnRoundedValuesAndTheTwin() {
        SplittableRandom r = new SplittableRandom(5);
        // T, S, H, KVH, D, causal, pos0
        int[][] cases = {
                {1, 1, 1, 1, 8, 0, 0},
                {1, 40, 14, 2, 64, 1, 39},      // one decode step, Qwen2-0.5B heads
                {1, 1700, 14, 2, 64, 1, 1699},  // a long decode step, split over key chunks
                {3, 90, 6, 2, 72, 1, 87},       // a run and a tail of 8 (AVX-512) per head
                {2, 50, 4, 4, 16, 1, 48},
                {5, 9, 2, 1, 12, 0, 0},         // prefill, tail only
                {70, 70, 14, 2, 64, 1, 0},      // causal prefill over more than one key block
                {65, 200, 4, 2, 64, 1, 135},    // chunked prefill after a cached prefix
                {33, 33, 4, 4, 128, 0, 0},      // four runs per head
                {17, 23, 6, 3, 13, 0, 0},
        };
        for (int[] c : cases)
            for (int threads = 1; threads <= 2; threads++) {
                int T = c[0], S = c[1], H = c[2], KVH = c[3], D = c[4], kvDim = KVH * D;
                var sh = new Attention.Shape(T, S, H, KVH, D, H * D, kvDim, c[5] == 1, c[6], (float) (1 / Math.sqrt(D)));
                float[] q = KernelTesting.randoms(r, T * H * D, 2);
                float[] k = rounded(KernelTesting.randoms(r, S * kvDim, 2)), v = rounded(KernelTesting.randoms(r, S * kvDim, 1));
                int cap = S + KeyPanels.KP; // spare room past S, as a cache has
                short[] kh = new short[KeyPanels.floats(cap, KVH, D)];
                Arrays.fill(kh, KvCodec.toBf16(Float.NaN));
                KeyPanels.put(kh, KVH, D, 0, S, k, 0, kvDim);
                short[] vh = Arrays.copyOf(valueRows(v, S, kvDim, KVH, D), cap * kvDim);
                float[] got = new float[T * H * D], f32 = new float[T * H * D], twin = new float[T * H * D];
                KernelTesting.withThreads(threads, () -> {
                    Attention.attendPanels(sh, q, 0, kh, vh, 0, got, 0);
                    Attention.attendPanels(sh, q, 0, KeyPanels.fromRows(k, S, S, KVH, D), v, 0, f32, 0);
                });
                ScalarKernels.attend(sh, q, 0, k, 0, v, 0, twin, 0);
                String what = sh + " threads=" + threads;
                for (int i = 0; i < got.length; i++) {
                    if (!(Math.abs(got[i] - f32[i]) <= 1e-6)) fail(what + ": out[" + i + "] = " + got[i] + ", float32 kernels " + f32[i]);
                    if (!(Math.abs(got[i] - twin[i]) <= 2e-5)) fail(what + ": out[" + i + "] = " + got[i] + ", twin " + twin[i]);
                }
            }
    }

    @Test
    void indexedAttentionOverBf16MatchesFloatKernelsOnRoundedValues() {
        SplittableRandom r = new SplittableRandom(6);
        for (int[] c : new int[][]{{14, 2, 64, 1500}, {4, 2, 72, 300}, {4, 4, 16, 37}}) {
            int H = c[0], KVH = c[1], D = c[2], len = c[3], kvDim = KVH * D;
            float[] q = KernelTesting.randoms(r, H * D, 1);
            float[] k = rounded(KernelTesting.randoms(r, len * kvDim, 1)), v = rounded(KernelTesting.randoms(r, len * kvDim, 1));
            short[] kh = new short[KeyPanels.floats(len, KVH, D)];
            KeyPanels.put(kh, KVH, D, 0, len, k, 0, kvDim);
            short[] vh = valueRows(v, len, kvDim, KVH, D);
            float[] kp = KeyPanels.fromRows(k, len, len, KVH, D);
            int[] subset = r.ints(0, len).distinct().limit(len / 3).sorted().toArray();
            float scale = (float) Math.pow(D, -0.5);
            for (int[] active : new int[][]{null, subset})
                for (int chunks = 1; chunks <= 3; chunks++) {
                    float[] got = new float[H * D], want = new float[H * D], gotP = new float[len], wantP = new float[len];
                    IndexedAttention.decode(q, KvArrays.bf16(kh, vh), kvDim, H, KVH, D, len, active, scale, got, gotP, chunks);
                    IndexedAttention.decode(q, kp, v, kvDim, H, KVH, D, len, active, scale, want, wantP, chunks);
                    for (int i = 0; i < got.length; i++) assertEquals(want[i], got[i], 1e-6, "H=" + H + " D=" + D + " out[" + i + "]");
                    for (int p = 0; p < len; p++) assertEquals(wantP[p], gotP[p], 1e-7, "probability of " + p);
                }
        }
    }

    @Test
    void theWeightedSumOfTwoRunsAgainstAPlainSum() {
        SplittableRandom r = new SplittableRandom(7);
        int D = 4 * RUN + 3, nb = 29, rs = 33, stride = D + 5;
        float[] p = KernelTesting.randoms(r, 4 * rs, 1), o = KernelTesting.randoms(r, 4 * D, 1);
        float[] v = rounded(KernelTesting.randoms(r, 2 + nb * stride, 1));
        short[] vh = new short[v.length];
        for (int s = 0; s < nb; s++) Bf16.putRow(v, 2 + s * stride, vh, 2 + s * stride, D);
        float[] want = o.clone();
        for (int row = 0; row < 4; row++)
            for (int d = 0; d < D; d++)
                for (int s = 0; s < nb; s++) want[row * D + d] += p[row * rs + s] * v[2 + s * stride + d];
        Bf16Attention.pv(p, rs, nb, vh, 2, stride, o, D);
        for (int i = 0; i < o.length; i++) assertEquals(want[i], o[i], 1e-4, "o[" + i + "]");
        float[] two = o.clone(), one = o.clone();
        Bf16Attention.pv2(p, rs, nb, vh, 2, stride, two, 0, D);
        Bf16Attention.pv1(p, rs, nb, vh, 2, stride, one, 0, D);
        Bf16Attention.pv1(p, rs, nb, vh, 2 + RUN, stride, one, RUN, D);
        assertArrayEquals(one, two, 1e-5f);
    }

    @Test
    void keysAndValuesOfMixedPrecisionsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new KvArrays(new float[1], null, null, new short[1]));
        assertThrows(IllegalArgumentException.class, () -> new KvArrays(new float[1], new float[1], new short[1], new short[1]));
        assertThrows(IllegalArgumentException.class, () -> new KvArrays(null, null, null, null));
        var sh = new Attention.Shape(1, 40, 4, 2, 16, 64, 32, true, 39, 0.25f);
        short[] kh = new short[KeyPanels.floats(40, 2, 16)], shortValues = new short[39 * 32];
        assertThrows(IllegalArgumentException.class, () -> Attention.attendPanels(sh, new float[64], 0, kh, shortValues, 0, new float[64], 0));
    }
}
