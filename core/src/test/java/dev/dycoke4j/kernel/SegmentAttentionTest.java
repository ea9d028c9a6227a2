package dev.dycoke4j.kernel;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/** {@link Attention#attendSegments} and {@link Attention#attendBatched} (both {@link SegmentAttention}) against the twin. */
class SegmentAttentionTest {

    /**
     * Each segment attends within itself, as {@link ScalarKernels#attend} over that segment alone, within 2e-5 of the
     * largest |v|; rows outside every segment are not written. The lengths put the last block of queries in the narrow
     * tile and in the wide one at 16 lanes (70 = 64 + 6, 100 = 64 + 36), give fewer keys than a tile of 6 (1, 5), more
     * keys than a chunk of the value product (150), and an empty segment; head sizes 72 and 80 (SigLIP, Qwen2.5-VL),
     * 13 (not a multiple of the tile's 6 rows) and 4 (fewer than 6); GQA.
     */
    @Test
    void segmentsAgainstTheTwinPerSegment() {
        SplittableRandom r = new SplittableRandom(3);
        int[] cu = {0, 1, 6, 6, 39, 109, 209, 359, 400};
        int rows = 410; // the last 10 rows are in no segment
        // H, KVH, D, pad
        int[][] heads = {{2, 2, 72, 0}, {2, 1, 80, 3}, {3, 3, 13, 1}, {4, 2, 4, 0}};
        for (int[] c : heads)
            for (int threads = 1; threads <= 2; threads++) {
                int H = c[0], KVH = c[1], D = c[2], qStride = H * D + c[3], kvStride = KVH * D + c[3];
                var sh = new Attention.Shape(rows, rows, H, KVH, D, qStride, kvStride, false, 0, (float) (1 / Math.sqrt(D)));
                float[] q = KernelTesting.randoms(r, rows * qStride, 2), k = KernelTesting.randoms(r, rows * kvStride, 2);
                float[] v = KernelTesting.randoms(r, rows * kvStride, 1), out = new float[rows * qStride], want = new float[rows * qStride];
                Arrays.fill(out, -7f);
                Arrays.fill(want, -7f);
                KernelTesting.withThreads(threads, () -> Attention.attendSegments(sh, cu, q, k, v, out));
                for (int i = 0; i + 1 < cu.length; i++) {
                    int len = cu[i + 1] - cu[i];
                    var one = new Attention.Shape(len, len, H, KVH, D, qStride, kvStride, false, 0, sh.scale());
                    ScalarKernels.attend(one, q, cu[i] * qStride, k, cu[i] * kvStride, v, cu[i] * kvStride, want, cu[i] * qStride);
                }
                String what = sh + " threads=" + threads;
                for (int i = 0; i < out.length; i++) {
                    boolean written = i < cu[cu.length - 1] * qStride && i % qStride < H * D;
                    if (!written && out[i] != -7f) fail(what + ": wrote outside the segments' heads at " + i);
                    if (written && !(Math.abs(out[i] - want[i]) <= 2e-5)) fail(what + ": out[" + i + "] = " + out[i] + ", want " + want[i]);
                }
            }
    }

    /** Each block of queries is computed alone, in the same order, so the bits do not depend on the threads. */
    @Test
    void sameBitsWhateverTheThreads() {
        SplittableRandom r = new SplittableRandom(4);
        int B = 3, T = 90, H = 4, D = 72, stride = H * D, batchStride = T * stride;
        var sh = new Attention.Shape(T, T, H, H, D, stride, stride, false, 0, (float) (1 / Math.sqrt(D)));
        float[] q = KernelTesting.randoms(r, B * batchStride, 2), k = KernelTesting.randoms(r, B * batchStride, 2);
        float[] v = KernelTesting.randoms(r, B * batchStride, 1), one = new float[B * batchStride], two = new float[B * batchStride];
        KernelTesting.withThreads(1, () -> Attention.attendBatched(sh, B, batchStride, q, k, v, one));
        KernelTesting.withThreads(2, () -> Attention.attendBatched(sh, B, batchStride, q, k, v, two));
        assertArrayEquals(one, two);
    }

    /**
     * {@link SegmentAttention#tile6x4} and {@link SegmentAttention#tile6x2} against a plain sum in double: a reduction
     * over part of the rows of a and b (from k0, as the value product's chunks run), overwriting C and adding to it;
     * C's entries outside the tile's 6 rows of W and its columns are left alone; the running column max becomes the
     * largest of itself and the column's results, and is left alone when null.
     */
    @Test
    void tilesAgainstAPlainSum() {
        SplittableRandom r = new SplittableRandom(6);
        int L = SegmentAttention.L, W = SegmentAttention.W;
        for (int nv : new int[] {2, 4}) {
            if (nv * L > W) continue; // the wide tile exists where a block is 4 vectors wide
            for (boolean acc : new boolean[] {false, true})
                for (boolean withMax : new boolean[] {false, true}) {
                    int w = nv * L, as = 19, ao = 3, k0 = 2, k1 = 17, bo = 5, co = 7;
                    float[] a = KernelTesting.randoms(r, ao + 6 * as, 1), b = KernelTesting.randoms(r, bo + k1 * W, 1);
                    float[] c = KernelTesting.randoms(r, co + 6 * W + 9, 1), before = c.clone();
                    float[] max = withMax ? KernelTesting.randoms(r, W, 2) : null, maxBefore = withMax ? max.clone() : null;
                    if (nv == 4) SegmentAttention.tile6x4(a, ao, as, b, bo, k0, k1, c, co, acc, max);
                    else SegmentAttention.tile6x2(a, ao, as, b, bo, k0, k1, c, co, acc, max);
                    String what = "nv=" + nv + " acc=" + acc + " max=" + withMax;
                    for (int i = 0; i < c.length; i++) {
                        int row = (i - co) / W, j = (i - co) % W;
                        boolean inTile = i >= co && row < 6 && j < w;
                        double want = before[i];
                        if (inTile) {
                            want = acc ? before[i] : 0;
                            for (int k = k0; k < k1; k++) want += (double) a[ao + row * as + k] * b[bo + k * W + j];
                        }
                        if (!(Math.abs(c[i] - want) <= 1e-5)) fail(what + ": c[" + i + "] = " + c[i] + ", want " + want);
                    }
                    if (!withMax) continue;
                    for (int j = 0; j < W; j++) {
                        float want = maxBefore[j];
                        if (j < w) for (int row = 0; row < 6; row++) want = Math.max(want, c[co + row * W + j]);
                        if (max[j] != want) fail(what + ": max[" + j + "] = " + max[j] + ", want " + want);
                    }
                }
        }
    }

    /**
     * The copies of keys that pad a segment's key rows to whole tiles take no share of the softmax: with one key
     * (five copies of it alongside) each query's output is that key's value row exactly, and with 7 keys (5 copies of
     * the last) the output matches the twin even when the last key dominates every score.
     */
    @Test
    void paddedKeysTakeNoShare() {
        SplittableRandom r = new SplittableRandom(7);
        int H = 2, D = 10, stride = H * D;
        for (int S : new int[] {1, 7}) {
            var sh = new Attention.Shape(S, S, H, H, D, stride, stride, false, 0, (float) (1 / Math.sqrt(D)));
            float[] q = KernelTesting.randoms(r, S * stride, 2), k = KernelTesting.randoms(r, S * stride, 2);
            float[] v = KernelTesting.randoms(r, S * stride, 1), out = new float[S * stride], want = new float[S * stride];
            for (int i = 0; i < stride; i++) k[(S - 1) * stride + i] = 8 * Math.signum(q[i]); // the last key wins for query 0
            Attention.attendSegments(sh, new int[] {0, S}, q, k, v, out);
            ScalarKernels.attend(sh, q, 0, k, 0, v, 0, want, 0);
            for (int i = 0; i < out.length; i++)
                if (!(Math.abs(out[i] - want[i]) <= 2e-5)) fail("S=" + S + ": out[" + i + "] = " + out[i] + ", want " + want[i]);
            if (S == 1) assertArrayEquals(Arrays.copyOf(v, stride), Arrays.copyOf(out, stride), 1e-6f);
        }
    }

    @Test
    void badBoundariesAreRefused() {
        var sh = new Attention.Shape(10, 10, 1, 1, 4, 4, 4, false, 0, 0.5f);
        float[] a = new float[40];
        assertThrows(IllegalArgumentException.class, () -> Attention.attendSegments(sh, new int[] {0, 6, 4, 10}, a, a, a, a));
        assertThrows(IllegalArgumentException.class, () -> Attention.attendSegments(sh, new int[] {0, 11}, a, a, a, a));
        var causal = new Attention.Shape(10, 10, 1, 1, 4, 4, 4, true, 0, 0.5f);
        assertThrows(IllegalArgumentException.class, () -> Attention.attendSegments(causal, new int[] {0, 10}, a, a, a, a));
    }
}
