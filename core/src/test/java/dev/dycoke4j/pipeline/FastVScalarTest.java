package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.FastV;
import dev.dycoke4j.io.Checkpoint;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.llm.PrefillHook;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * FastV's kept rows on the oracle prompt against a plain re-computation: layers 0..K-1 of Qwen2 written out in double
 * precision, loop by loop, from the checkpoint's tensors, then the last row's attention at layer K averaged over heads,
 * and the top visual positions.
 */
class FastVScalarTest {
    static final String P = "language_model.model.layers.";

    @ParameterizedTest
    @CsvSource({"1, 48", "1, 100", "1, 5"})
    void keptRowsMatchAPlainRecomputation(int layer, int keep) {
        float[] x;
        int[] ids;
        try (Safetensors g = Oracle.golden("forward.safetensors")) {
            x = g.get("inputs_embeds").toFloatArray();
            ids = g.get("input_ids").toIntArray();
        }
        int T = ids.length, start = -1, visual = 128;
        try (VideoQa qa = VideoQa.load(Oracle.model())) {
            int vid = qa.model().config().videoTokenId();
            for (int t = T - 1; t >= 0; t--) if (ids[t] == vid) start = t;
            FastV fastv = new FastV(layer, start, visual, keep);
            int[][] seen = new int[1][];
            PrefillHook recording = new PrefillHook() {
                @Override
                public int layer() {
                    return fastv.layer();
                }

                @Override
                public int[] keep(float[] probs, int rows) {
                    return seen[0] = fastv.keep(probs, rows);
                }
            };
            KvCache cache = qa.model().newCache(T);
            qa.model().decoder().forward(x.clone(), T, cache, 1, null, recording);

            double[] probs;
            try (Checkpoint ck = Checkpoint.open(Oracle.model())) {
                var c = qa.model().config().text();
                Scalar s = new Scalar(ck, c.hiddenSize(), c.numHeads(), c.numKvHeads(), c.intermediateSize(), c.ropeTheta(), c.rmsNormEps());
                double[][] h = new double[T][];
                for (int t = 0; t < T; t++) {
                    h[t] = new double[c.hiddenSize()];
                    for (int i = 0; i < c.hiddenSize(); i++) h[t][i] = x[t * c.hiddenSize() + i];
                }
                for (int l = 0; l < layer; l++) h = s.layer(l, h);
                probs = s.lastRowAttention(layer, h);
            }
            List<Integer> expected = new ArrayList<>();
            for (int t = 0; t < start; t++) expected.add(t);
            boolean[] taken = new boolean[visual];
            for (int k = 0; k < keep; k++) {
                int best = -1;
                for (int v = 0; v < visual; v++) if (!taken[v] && (best < 0 || probs[start + v] > probs[start + best])) best = v;
                taken[best] = true;
            }
            for (int v = 0; v < visual; v++) if (taken[v]) expected.add(start + v);
            for (int t = start + visual; t < T; t++) expected.add(t);
            assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), seen[0]);
        }
    }

    /** Qwen2 as transformers writes it, in double, for all rows at once (causal). */
    record Scalar(Checkpoint ck, int d, int heads, int kvHeads, int ffn, double theta, double eps) {
        double[] w(String name) {
            float[] f = ck.weight(name).toFloatArray();
            double[] r = new double[f.length];
            for (int i = 0; i < f.length; i++) r[i] = f[i];
            return r;
        }

        static double[] matvec(double[] w, double[] b, double[] x, int out) {
            int in = x.length;
            double[] y = new double[out];
            for (int o = 0; o < out; o++) {
                double s = b == null ? 0 : b[o];
                for (int i = 0; i < in; i++) s += w[o * in + i] * x[i];
                y[o] = s;
            }
            return y;
        }

        double[] rms(double[] x, double[] g) {
            double ss = 0;
            for (double v : x) ss += v * v;
            double inv = 1 / Math.sqrt(ss / x.length + eps);
            double[] y = new double[x.length];
            for (int i = 0; i < x.length; i++) y[i] = x[i] * inv * g[i];
            return y;
        }

        /** rotate_half RoPE of every head of {@code v} at position {@code pos}. */
        void rope(double[] v, int nHeads, int pos) {
            int hd = d / heads, half = hd / 2;
            for (int h = 0; h < nHeads; h++)
                for (int i = 0; i < half; i++) {
                    double f = pos * Math.pow(theta, -2.0 * i / hd), cos = Math.cos(f), sin = Math.sin(f);
                    double a = v[h * hd + i], b = v[h * hd + half + i];
                    v[h * hd + i] = a * cos - b * sin;
                    v[h * hd + half + i] = b * cos + a * sin;
                }
        }

        double[][][] qkv(int l, double[][] x) {
            int T = x.length, hd = d / heads;
            String p = P + l + ".";
            double[] g = w(p + "input_layernorm.weight");
            double[] wq = w(p + "self_attn.q_proj.weight"), bq = w(p + "self_attn.q_proj.bias");
            double[] wk = w(p + "self_attn.k_proj.weight"), bk = w(p + "self_attn.k_proj.bias");
            double[] wv = w(p + "self_attn.v_proj.weight"), bv = w(p + "self_attn.v_proj.bias");
            double[][] q = new double[T][], k = new double[T][], v = new double[T][];
            for (int t = 0; t < T; t++) {
                double[] n = rms(x[t], g);
                q[t] = matvec(wq, bq, n, heads * hd);
                k[t] = matvec(wk, bk, n, kvHeads * hd);
                v[t] = matvec(wv, bv, n, kvHeads * hd);
                rope(q[t], heads, t);
                rope(k[t], kvHeads, t);
            }
            return new double[][][]{q, k, v};
        }

        /** Softmax attention probabilities of row t, head h, over rows 0..t. */
        double[] probs(double[][] q, double[][] k, int t, int h) {
            int hd = d / heads, kh = h / (heads / kvHeads);
            double[] s = new double[t + 1];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j <= t; j++) {
                double dot = 0;
                for (int i = 0; i < hd; i++) dot += q[t][h * hd + i] * k[j][kh * hd + i];
                s[j] = dot / Math.sqrt(hd);
                max = Math.max(max, s[j]);
            }
            double sum = 0;
            for (int j = 0; j <= t; j++) sum += s[j] = Math.exp(s[j] - max);
            for (int j = 0; j <= t; j++) s[j] /= sum;
            return s;
        }

        double[][] layer(int l, double[][] x) {
            int T = x.length, hd = d / heads;
            String p = P + l + ".";
            double[][][] qkv = qkv(l, x);
            double[] wo = w(p + "self_attn.o_proj.weight"), g2 = w(p + "post_attention_layernorm.weight");
            double[] wg = w(p + "mlp.gate_proj.weight"), wu = w(p + "mlp.up_proj.weight"), wd = w(p + "mlp.down_proj.weight");
            double[][] out = new double[T][];
            for (int t = 0; t < T; t++) {
                double[] att = new double[heads * hd];
                for (int h = 0; h < heads; h++) {
                    double[] pr = probs(qkv[0], qkv[1], t, h);
                    int kh = h / (heads / kvHeads);
                    for (int j = 0; j <= t; j++) for (int i = 0; i < hd; i++) att[h * hd + i] += pr[j] * qkv[2][j][kh * hd + i];
                }
                double[] r = x[t].clone(), o = matvec(wo, null, att, d);
                for (int i = 0; i < d; i++) r[i] += o[i];
                double[] n = rms(r, g2), gate = matvec(wg, null, n, ffn), up = matvec(wu, null, n, ffn), act = new double[ffn];
                for (int i = 0; i < ffn; i++) act[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
                double[] down = matvec(wd, null, act, d);
                for (int i = 0; i < d; i++) r[i] += down[i];
                out[t] = r;
            }
            return out;
        }

        /** The last row's attention at layer l, averaged over the query heads. */
        double[] lastRowAttention(int l, double[][] x) {
            int T = x.length;
            double[][][] qkv = qkv(l, x);
            double[] mean = new double[T];
            for (int h = 0; h < heads; h++) {
                double[] pr = probs(qkv[0], qkv[1], T - 1, h);
                for (int j = 0; j < T; j++) mean[j] += pr[j] / heads;
            }
            return mean;
        }
    }
}
