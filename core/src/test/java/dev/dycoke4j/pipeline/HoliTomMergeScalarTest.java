package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.HoliTomMerge;
import dev.dycoke4j.io.Checkpoint;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.llm.PrefillHook;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HoliTom's merge inside the LLM on the oracle prompt against a plain re-computation: layers 0..K-1 of Qwen2 in
 * double precision from the checkpoint's tensors ({@link FastVScalarTest.Scalar}), the last row's attention at layer
 * K-1 averaged over heads, the top {@code round(129·(1 - r))} of the video's 128 rows and its newline, and each other
 * row folded, in position order, into the kept row of highest cosine as {@code (kept + other) / 2}. The decoder's
 * hidden states entering layer K, the rows it keeps and the merged states match.
 */
class HoliTomMergeScalarTest {
    @ParameterizedTest
    @CsvSource({"1, 0.5", "2, 0.5", "2, 0.9", "1, 0.1"})
    void mergedRowsMatchAPlainRecomputation(int k, double r) {
        float[] x;
        int[] ids;
        try (Safetensors g = Oracle.golden("forward.safetensors")) {
            x = g.get("inputs_embeds").toFloatArray();
            ids = g.get("input_ids").toIntArray();
        }
        int T = ids.length, start = -1, span = 128 + 1;
        try (VideoQa qa = VideoQa.load(Oracle.model())) {
            int vid = qa.model().config().videoTokenId(), d = qa.model().config().text().hiddenSize();
            for (int t = T - 1; t >= 0; t--) if (ids[t] == vid) start = t;
            HoliTomMerge merge = new HoliTomMerge(k, start, span, r);
            float[][] before = new float[1][], after = new float[1][];
            int[][] kept = new int[1][];
            PrefillHook recording = new PrefillHook() {
                @Override
                public int layer() {
                    return merge.layer();
                }

                @Override
                public int[] keep(float[] probs, int rows) {
                    throw new AssertionError("the decoder hands the hidden states over");
                }

                @Override
                public int[] keep(float[] probs, float[] hidden, int rows, int dim) {
                    before[0] = hidden.clone();
                    kept[0] = merge.keep(probs, hidden, rows, dim);
                    after[0] = hidden.clone();
                    return kept[0];
                }
            };
            qa.model().decoder().forward(x.clone(), T, qa.model().newCache(T), 1, null, recording);

            double[][] h = new double[T][];
            double[] probs;
            try (Checkpoint ck = Checkpoint.open(Oracle.model())) {
                var c = qa.model().config().text();
                FastVScalarTest.Scalar s = new FastVScalarTest.Scalar(ck, d, c.numHeads(), c.numKvHeads(), c.intermediateSize(), c.ropeTheta(), c.rmsNormEps());
                for (int t = 0; t < T; t++) {
                    h[t] = new double[d];
                    for (int i = 0; i < d; i++) h[t][i] = x[t * d + i];
                }
                for (int l = 0; l < k - 1; l++) h = s.layer(l, h);
                probs = s.lastRowAttention(k - 1, h);
                h = s.layer(k - 1, h);
            }
            Oracle.assertClose("hidden states entering layer " + k, before[0], flat(h), 1e-4);

            int keep = (int) Math.rint(span * (1 - r));
            List<Integer> top = new ArrayList<>();
            for (int n = 0; n < keep; n++) {
                int best = -1;
                for (int v = 0; v < span; v++) if (!top.contains(v) && (best < 0 || probs[start + v] > probs[start + best])) best = v;
                top.add(best);
            }
            List<Integer> expectedRows = new ArrayList<>();
            for (int t = 0; t < start; t++) expectedRows.add(t);
            for (int v = 0; v < span; v++) if (top.contains(v)) expectedRows.add(start + v);
            for (int t = start + span; t < T; t++) expectedRows.add(t);
            assertArrayEquals(expectedRows.stream().mapToInt(Integer::intValue).toArray(), kept[0]);

            double[][] merged = new double[T][];
            for (int t = 0; t < T; t++) merged[t] = h[t].clone();
            for (int v = 0; v < span; v++) {
                if (top.contains(v)) continue;
                int into = -1;
                double best = Double.NEGATIVE_INFINITY;
                for (int u : top) {
                    double cos = cosine(h[start + v], h[start + u]);
                    if (cos > best) {
                        best = cos;
                        into = u;
                    }
                }
                for (int i = 0; i < d; i++) merged[start + into][i] = (merged[start + into][i] + h[start + v][i]) / 2;
            }
            float[] expected = new float[kept[0].length * d], actual = new float[kept[0].length * d];
            float[] m = flat(merged);
            for (int i = 0; i < kept[0].length; i++) {
                System.arraycopy(m, kept[0][i] * d, expected, i * d, d);
                System.arraycopy(after[0], kept[0][i] * d, actual, i * d, d);
            }
            Oracle.assertClose("merged hidden states", actual, expected, 1e-4);
            assertTrue(!Arrays.equals(before[0], after[0]), "the kept rows took the others in");
        }
    }

    static double cosine(double[] a, double[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    static float[] flat(double[][] h) {
        float[] f = new float[h.length * h[0].length];
        for (int t = 0; t < h.length; t++) for (int i = 0; i < h[t].length; i++) f[t * h[t].length + i] = (float) h[t][i];
        return f;
    }
}
