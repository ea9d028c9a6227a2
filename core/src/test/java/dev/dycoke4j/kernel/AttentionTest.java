package dev.dycoke4j.kernel;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** {@link Attention#attend} against {@link ScalarKernels#attend}. */
class AttentionTest {

    /**
     * Runs one shape with random q, k, v (strides padded by {@code pad} floats, arrays offset by a few floats) and
     * checks every output within 2e-5 of the largest |v| (the output is a convex mix of v rows).
     */
    static void run(SplittableRandom r, int T, int S, int H, int KVH, int D, boolean causal, int pos0, int pad, int threads) {
        int qStride = H * D + pad, kvStride = KVH * D + pad;
        int qOff = 3, kOff = 5, vOff = 7, oOff = 2;
        float scale = (float) (1 / Math.sqrt(D));
        var sh = new Attention.Shape(T, S, H, KVH, D, qStride, kvStride, causal, pos0, scale);
        float[] q = KernelTesting.randoms(r, qOff + T * qStride, 2), k = KernelTesting.randoms(r, kOff + S * kvStride, 2);
        float[] v = KernelTesting.randoms(r, vOff + S * kvStride, 1);
        float[] out = new float[oOff + T * qStride], want = new float[oOff + T * qStride];
        Arrays.fill(out, -7f);
        Arrays.fill(want, -7f);
        KernelTesting.withThreads(threads, () -> Attention.attend(sh, q, qOff, k, kOff, v, vOff, out, oOff));
        ScalarKernels.attend(sh, q, qOff, k, kOff, v, vOff, want, oOff);
        String what = sh + " threads=" + threads;
        for (int i = 0; i < out.length; i++) {
            boolean written = i >= oOff && (i - oOff) % qStride < H * D;
            if (!written) {
                if (out[i] != -7f) fail(what + ": wrote outside the heads at " + i);
                continue;
            }
            if (!(Math.abs(out[i] - want[i]) <= 2e-5)) fail(what + ": out[" + i + "] = " + out[i] + ", want " + want[i]);
        }
    }

    @Test
    void shapesAgainstTheTwin() {
        SplittableRandom r = new SplittableRandom(1);
        // T, S, H, KVH, D, causal, pos0, pad
        int[][] cases = {
                {1, 1, 1, 1, 8, 0, 0, 0},
                {5, 9, 2, 1, 12, 0, 0, 0},       // GQA group 2, D=12
                {7, 7, 7, 1, 16, 1, 0, 3},       // group 7, causal from 0
                {3, 20, 14, 2, 64, 1, 17, 0},    // decode-like: causal with pos0 > 0, Qwen2 heads
                {1, 40, 14, 2, 64, 1, 39, 0},    // one decode step
                {33, 33, 4, 4, 72, 0, 0, 5},     // SigLIP head size, group 1
                {17, 23, 6, 3, 13, 0, 0, 1},     // D not a multiple of 8
                {12, 30, 2, 2, 7, 1, 18, 0},     // tiny D, causal pos0
                {70, 70, 2, 1, 40, 1, 0, 0},     // causal over more than one key block
                {9, 300, 3, 1, 24, 0, 0, 0},     // long S, non-causal
                {65, 200, 4, 2, 64, 1, 135, 2},  // chunked prefill after a cached prefix
                {2, 50, 4, 4, 16, 1, 48, 0},     // two decode rows, group 1
                {3, 90, 6, 2, 8, 1, 87, 1},      // three decode rows over two head blocks per kv head
                {1, 300, 28, 4, 128, 1, 299, 0}, // a 7B-like decode step
        };
        for (int[] c : cases)
            for (int threads = 1; threads <= 2; threads++)
                run(r, c[0], c[1], c[2], c[3], c[4], c[5] == 1, c[6], c[7], threads);
    }

    /**
     * {@link Attention#attendBatched}: each batch attends within itself, as the twin over that batch alone; head sizes
     * with a vector tail at 256 and 512 bits (72 = 64 + 8 at 16 lanes, 20), T not a multiple of the query block nor S
     * of a key panel, GQA, T != S, and rows between the batches left alone.
     */
    @Test
    void batchesAgainstTheTwinPerBatch() {
        SplittableRandom r = new SplittableRandom(5);
        // batches, T, S, H, KVH, D
        int[][] cases = {{3, 33, 33, 4, 4, 72}, {2, 37, 37, 3, 3, 20}, {1, 5, 5, 2, 2, 8}, {4, 9, 40, 4, 2, 16}, {2, 130, 130, 2, 2, 72}};
        for (int[] c : cases)
            for (int threads = 1; threads <= 2; threads++) {
                int B = c[0], T = c[1], S = c[2], H = c[3], KVH = c[4], D = c[5], qStride = H * D, kvStride = KVH * D;
                int batchStride = Math.max(T * qStride, S * kvStride) + 11;
                var sh = new Attention.Shape(T, S, H, KVH, D, qStride, kvStride, false, 0, (float) (1 / Math.sqrt(D)));
                float[] q = KernelTesting.randoms(r, B * batchStride, 2), k = KernelTesting.randoms(r, B * batchStride, 2);
                float[] v = KernelTesting.randoms(r, B * batchStride, 1), out = new float[B * batchStride], want = new float[B * batchStride];
                Arrays.fill(out, -7f);
                Arrays.fill(want, -7f);
                KernelTesting.withThreads(threads, () -> Attention.attendBatched(sh, B, batchStride, q, k, v, out));
                for (int b = 0; b < B; b++) ScalarKernels.attend(sh, q, b * batchStride, k, b * batchStride, v, b * batchStride, want, b * batchStride);
                String what = B + " x " + sh + " threads=" + threads;
                for (int i = 0; i < out.length; i++)
                    if (!(Math.abs(out[i] - want[i]) <= 2e-5)) fail(what + ": out[" + i + "] = " + out[i] + ", want " + want[i]);
            }
    }

    /**
     * Decode with the keys split into chunks (one per thread): the chunks' partial softmaxes merged must give the
     * twin's answer, for one to three causal rows, whatever the number of chunks and threads.
     */
    @Test
    void decodeOverKeyChunksAgainstTheTwin() {
        SplittableRandom r = new SplittableRandom(5);
        // T, S, H, KVH, D
        int[][] shapes = {{1, 1300, 7, 1, 64}, {3, 1600, 14, 2, 64}, {2, 2100, 4, 1, 16}, {1, 700, 8, 2, 32}, {3, 300, 6, 2, 8}};
        for (int[] c : shapes)
            for (int want = 1; want <= 5; want++)
                for (int threads = 1; threads <= 3; threads += 2) {
                    int T = c[0], S = c[1], H = c[2], KVH = c[3], D = c[4], common = S - T + 1;
                    int len = Attention.chunkLength(common, want), chunks = (common + len - 1) / len;
                    assertEquals(0, len % KeyPanels.KP);
                    assertTrue((chunks - 1) * len < common, "the last chunk starts at a key every row sees");
                    var sh = new Attention.Shape(T, S, H, KVH, D, H * D, KVH * D, true, S - T, (float) (1 / Math.sqrt(D)));
                    float[] q = KernelTesting.randoms(r, T * H * D, 2), k = KernelTesting.randoms(r, S * KVH * D, 2), v = KernelTesting.randoms(r, S * KVH * D, 1);
                    float[] out = new float[T * H * D], want2 = new float[T * H * D];
                    float[] kp = KeyPanels.fromRows(k, S, S, KVH, D);
                    int w = want;
                    KernelTesting.withThreads(threads, () -> Attention.decode(sh, q, 0, KvArrays.f32(kp, v), 0, out, 0, w));
                    ScalarKernels.attend(sh, q, 0, k, 0, v, 0, want2, 0);
                    for (int i = 0; i < out.length; i++)
                        assertEquals(want2[i], out[i], 2e-5, sh + " chunks=" + chunks + " threads=" + threads + " out[" + i + "]");
                }
        assertEquals(2, Attention.keyChunks(1700, 2));
        assertEquals(1, Attention.keyChunks(Attention.MIN_CHUNK * 2 - 1, 2));
        assertEquals(1, Attention.keyChunks(5, 8));
    }

    /** The 4-vector weighted sum of values (used with 32 vector registers), on any CPU, against a plain sum. */
    @Test
    void fourVectorWeightedSumAgainstAPlainSum() {
        SplittableRandom r = new SplittableRandom(11);
        int L = Attention.L, D = 8 * L, nb = 37, rs = 40, stride = D + 3;
        float[] p = KernelTesting.randoms(r, 4 * rs, 1), v = KernelTesting.randoms(r, 5 + nb * stride, 1), o = KernelTesting.randoms(r, 4 * D, 1);
        float[] want = o.clone();
        for (int row = 0; row < 4; row++)
            for (int d = 0; d < D; d++)
                for (int s = 0; s < nb; s++) want[row * D + d] += p[row * rs + s] * v[5 + s * stride + d];
        Attention.pv4(p, rs, nb, v, 5, stride, o, 0, D);
        Attention.pv4(p, rs, nb, v, 5 + 4 * L, stride, o, 4 * L, D);
        for (int i = 0; i < o.length; i++) assertEquals(want[i], o[i], 1e-4, "o[" + i + "]");
    }

    /**
     * Keys from a cache's panels: the array holds more than S keys, and the slots past S hold NaN (a cache's spare
     * room after truncation holds stale keys); attention must mask them, at decode and at prefill.
     */
    @Test
    void panelsPastTheLastKeyAreNeverUsed() {
        SplittableRandom r = new SplittableRandom(9);
        for (int[] c : new int[][]{{1, 37}, {2, 37}, {6, 45}}) {
            int T = c[0], S = c[1], H = 4, KVH = 2, D = 16, kvDim = KVH * D;
            var sh = new Attention.Shape(T, S, H, KVH, D, H * D, kvDim, true, S - T, 0.25f);
            float[] q = KernelTesting.randoms(r, T * H * D, 1), k = KernelTesting.randoms(r, S * kvDim, 1), v = KernelTesting.randoms(r, S * kvDim, 1);
            int cap = S + 3 * KeyPanels.KP;
            float[] kp = new float[KeyPanels.floats(cap, KVH, D)];
            Arrays.fill(kp, Float.NaN);
            KeyPanels.put(kp, KVH, D, 0, S, k, 0, kvDim);
            float[] out = new float[T * H * D], want = new float[T * H * D];
            Attention.attendPanels(sh, q, 0, kp, v, 0, out, 0);
            ScalarKernels.attend(sh, q, 0, k, 0, v, 0, want, 0);
            for (int i = 0; i < out.length; i++) assertEquals(want[i], out[i], 2e-5, "T=" + T + " out[" + i + "]");
        }
    }

    @Test
    void uniformKeysAverageTheValues() {
        // all-equal scores: each output is the plain mean of the visible values, a value known without the twin
        int T = 4, S = 6, D = 9;
        var sh = new Attention.Shape(T, S, 1, 1, D, D, D, true, 2, 0.5f);
        float[] q = new float[T * D], k = new float[S * D], v = new float[S * D], out = new float[T * D];
        for (int s = 0; s < S; s++) for (int d = 0; d < D; d++) v[s * D + d] = s;
        Attention.attend(sh, q, 0, k, 0, v, 0, out, 0);
        for (int t = 0; t < T; t++) {
            int visible = Math.min(S, 2 + t + 1);
            double mean = (visible - 1) / 2.0;
            for (int d = 0; d < D; d++) assertEquals(mean, out[t * D + d], 1e-6, "t=" + t);
        }
    }
}
