package dev.dycoke4j.kernel;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The decode attention with an active list and head-averaged probabilities, against the scalar twin. */
class IndexedAttentionTest {
    static float[] rnd(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    static void close(float[] want, float[] got, double tol) {
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], tol * (1 + Math.abs(want[i])), "at " + i);
    }

    @ParameterizedTest
    @CsvSource({"14, 2, 64, 300", "4, 2, 12, 37", "4, 4, 16, 5", "7, 1, 9, 64"})
    void matchesTheScalarTwinOnAllAndOnASubset(int H, int KVH, int D, int len) {
        Random r = new Random(H * 1000L + D * 10L + len);
        int kvDim = KVH * D;
        float[] q = rnd(r, H * D), k = rnd(r, len * kvDim), v = rnd(r, len * kvDim);
        float scale = (float) Math.pow(D, -0.5);

        // all positions: the scalar twin's causal attention of the last position
        float[] want = new float[H * D], got = new float[H * D], probs = new float[len];
        ScalarKernels.attend(new Attention.Shape(1, len, H, KVH, D, H * D, kvDim, true, len - 1, scale), q, 0, k, 0, v, 0, want, 0);
        IndexedAttention.decode(q, KeyPanels.fromRows(k, len, len, KVH, D), v, kvDim, H, KVH, D, len, null, scale, got, probs);
        close(want, got, 1e-5);
        double sum = 0;
        for (float p : probs) sum += p;
        assertEquals(1.0, sum, 1e-5);

        // a subset: the twin over the gathered rows, non-causal
        int[] active = r.ints(0, len).distinct().limit(Math.max(1, len / 3)).sorted().toArray();
        float[] ks = new float[active.length * kvDim], vs = new float[active.length * kvDim];
        for (int i = 0; i < active.length; i++) {
            System.arraycopy(k, active[i] * kvDim, ks, i * kvDim, kvDim);
            System.arraycopy(v, active[i] * kvDim, vs, i * kvDim, kvDim);
        }
        ScalarKernels.attend(new Attention.Shape(1, active.length, H, KVH, D, H * D, kvDim, false, 0, scale), q, 0, ks, 0, vs, 0, want, 0);
        IndexedAttention.decode(q, KeyPanels.fromRows(k, len, len, KVH, D), v, kvDim, H, KVH, D, len, active, scale, got, probs);
        close(want, got, 1e-5);

        // probabilities: the head average of each head's softmax over the active keys, zero elsewhere
        double[] avg = new double[len];
        for (int h = 0; h < H; h++) {
            int g = h / (H / KVH);
            double[] s = new double[active.length];
            double max = Double.NEGATIVE_INFINITY, z = 0;
            for (int i = 0; i < active.length; i++) {
                double dot = 0;
                for (int e = 0; e < D; e++) dot += (double) q[h * D + e] * k[active[i] * kvDim + g * D + e];
                s[i] = dot * scale;
                max = Math.max(max, s[i]);
            }
            for (int i = 0; i < active.length; i++) z += s[i] = Math.exp(s[i] - max);
            for (int i = 0; i < active.length; i++) avg[active[i]] += s[i] / z / H;
        }
        for (int p = 0; p < len; p++) assertEquals(avg[p], probs[p], 1e-6, "probability of position " + p);
    }

    /**
     * Long caches split into chunks of attended positions (one per thread, or as many as asked): outputs and
     * probabilities against the scalar twin, on all positions and on an ascending subset with gaps.
     */
    @ParameterizedTest
    @CsvSource({"14, 2, 64, 1500", "7, 1, 16, 2100", "4, 2, 8, 600"})
    void chunksOfPositionsMergeToTheWholeSoftmax(int H, int KVH, int D, int len) {
        Random r = new Random(len);
        int kvDim = KVH * D;
        float[] q = rnd(r, H * D), k = rnd(r, len * kvDim), v = rnd(r, len * kvDim), kp = KeyPanels.fromRows(k, len, len, KVH, D);
        float scale = (float) Math.pow(D, -0.5);
        int[] subset = r.ints(0, len).distinct().limit(len / 2).sorted().toArray();
        for (int[] active : new int[][]{null, subset}) {
            float[] want = new float[H * D], wantProbs = new float[len];
            IndexedAttention.decode(q, kp, v, kvDim, H, KVH, D, len, active, scale, want, wantProbs, 1);
            for (int chunks = 2; chunks <= 5; chunks++) {
                float[] got = new float[H * D], probs = new float[len];
                IndexedAttention.decode(q, kp, v, kvDim, H, KVH, D, len, active, scale, got, probs, chunks);
                close(want, got, 2e-6);
                for (int p = 0; p < len; p++) assertEquals(wantProbs[p], probs[p], 1e-7 + 1e-5 * wantProbs[p], "chunks=" + chunks + " probability of " + p);
            }
        }
        // one chunk against the twin
        float[] want = new float[H * D], got = new float[H * D];
        ScalarKernels.attend(new Attention.Shape(1, len, H, KVH, D, H * D, kvDim, true, len - 1, scale), q, 0, k, 0, v, 0, want, 0);
        IndexedAttention.decode(q, kp, v, kvDim, H, KVH, D, len, null, scale, got, null, 3);
        close(want, got, 1e-5);
    }

    @org.junit.jupiter.api.Test
    void activePositionsOutOfOrderAreRefused() {
        float[] q = new float[4 * 8], kp = new float[KeyPanels.floats(10, 2, 8)], v = new float[10 * 16];
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> IndexedAttention.decode(q, kp, v, 16, 4, 2, 8, 10, new int[]{0, 5, 5}, 1f, new float[4 * 8], null));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("active positions must be ascending: 5 after 5"), e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void anActivePositionOutsideTheCacheIsRefused() {
        float[] q = new float[4 * 8], kp = new float[KeyPanels.floats(10, 2, 8)], v = new float[10 * 16];
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> IndexedAttention.decode(q, kp, v, 16, 4, 2, 8, 10, new int[]{0, 10}, 1f, new float[4 * 8], null));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("active position 10 is outside 0..9"), e.getMessage());
    }
}
