package dev.dycoke4j.llm;

import dev.dycoke4j.kernel.Attention;
import dev.dycoke4j.kernel.Bf16;
import dev.dycoke4j.kernel.ScalarKernels;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the tests of each {@link KvStorage} share: filling one, and attention written as its definition reads. */
final class KvStorageTesting {
    /** Two kv heads of two bf16 runs and a tail (so both parts of the bf16 row layout are used on any vector width), 6 query heads. */
    static final int KVH = 2, D = 2 * Bf16.RUN + 3, KVDIM = KVH * D, H = 6;
    static final float SCALE = (float) Math.pow(D, -0.5);

    private KvStorageTesting() {
    }

    static float[] randoms(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() * 4 - 2);
        return a;
    }

    /** Appends rows {@code [from, to)} of {@code k} and {@code v}: as one block when {@code block}, else one slot at a time. */
    static void append(KvStorage s, float[] k, float[] v, int from, int to, boolean block) {
        int n = to - from;
        if (block) {
            s.reserve(n, 1 << 20);
            s.put(from, n, k, from * KVDIM, v, from * KVDIM);
            s.advance(n);
            return;
        }
        for (int t = from; t < to; t++) {
            s.reserve(1, 1 << 20);
            s.put(t, 1, k, t * KVDIM, v, t * KVDIM);
            s.advance(1);
        }
    }

    /**
     * One query {@code q [H·D]} over the slots {@code active} (null: {@code [0, len)}) of rows {@code k}, {@code v}, in
     * double: scores, softmax, weighted sum per head; {@code probs[slot]} the head-averaged probabilities (0 elsewhere).
     */
    static void scalarDecode(float[] q, float[] k, float[] v, int len, int[] active, float[] out, float[] probs) {
        int n = active == null ? len : active.length, group = H / KVH;
        double[] p = new double[n], mean = new double[len];
        for (int h = 0; h < H; h++) {
            int g = h / group;
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < n; j++) {
                int s = active == null ? j : active[j];
                double dot = 0;
                for (int d = 0; d < D; d++) dot += (double) q[h * D + d] * k[s * KVDIM + g * D + d];
                p[j] = dot * SCALE;
                max = Math.max(max, p[j]);
            }
            for (int j = 0; j < n; j++) sum += p[j] = Math.exp(p[j] - max);
            for (int d = 0; d < D; d++) {
                double acc = 0;
                for (int j = 0; j < n; j++) acc += p[j] * v[(active == null ? j : active[j]) * KVDIM + g * D + d];
                out[h * D + d] = (float) (acc / sum);
            }
            for (int j = 0; j < n; j++) mean[active == null ? j : active[j]] += p[j] / sum / H;
        }
        if (probs != null) for (int s = 0; s < len; s++) probs[s] = (float) mean[s];
    }

    static void assertClose(float[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++)
            assertEquals(want[i], got[i], tol * Math.max(1, Math.abs(want[i])), what + " [" + i + "]");
    }

    /**
     * A decode step of the last of the {@code len} slots of {@code s}, whose contents are the rows {@code k}, {@code v}:
     * over all slots, and over a subset with the probabilities, as the scalar definition gives them.
     */
    static void assertDecodesLikeScalar(KvStorage s, float[] k, float[] v, int len, SplittableRandom r) {
        float[] q = randoms(r, H * D);
        int[] subset = java.util.stream.IntStream.range(0, len).filter(i -> i % 3 != 1 || i == len - 1).toArray();
        for (int[] active : new int[][]{null, subset})
            for (boolean withProbs : new boolean[]{false, true}) {
                float[] want = new float[H * D], got = new float[H * D], wantP = new float[len], gotP = withProbs ? new float[len] : null;
                scalarDecode(q, k, v, len, active, want, wantP);
                s.attend(q, 1, len - 1, H, SCALE, active, got, gotP);
                String what = s.getClass().getSimpleName() + " decode over " + (active == null ? "all" : "a subset") + (withProbs ? " with probs" : "");
                assertClose(want, got, 2e-5, what);
                if (withProbs) assertClose(wantP, gotP, 2e-6, what + ": probs");
            }
    }

    /**
     * A causal block of the last {@code T} of the {@code len} slots of {@code s} (prefill), with the last row's
     * probabilities, as the scalar definition gives them.
     */
    static void assertBlockLikeScalar(KvStorage s, float[] k, float[] v, int len, int T, SplittableRandom r) {
        float[] q = randoms(r, T * H * D), want = new float[T * H * D], got = new float[T * H * D];
        float[] wantP = new float[len], gotP = new float[len], lastOut = new float[H * D];
        ScalarKernels.attend(new Attention.Shape(T, len, H, KVH, D, H * D, KVDIM, true, len - T, SCALE), q, 0, k, 0, v, 0, want, 0);
        scalarDecode(java.util.Arrays.copyOfRange(q, (T - 1) * H * D, T * H * D), k, v, len, null, lastOut, wantP);
        s.attend(q, T, len - T, H, SCALE, null, got, gotP);
        String what = s.getClass().getSimpleName() + " block of " + T + " over " + len;
        assertClose(want, got, 2e-5, what);
        assertClose(wantP, gotP, 2e-6, what + ": last row's probs");
    }
}
