package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.testing.RecordingTrace;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scores PruMerge+ and VisionZip rank by, recomputed here in double precision from the oracle checkpoint's weights:
 * a plain SigLIP tower (checked against PyTorch's {@code vision_hidden} first, so the reference itself is right), then
 * in its last layer the attention each patch receives: per frame, the softmax probabilities of
 * {@code LN1(x)·Wq + bq} against {@code LN1(x)·Wk + bk}, scaled by {@code 1/sqrt(head dim)}, averaged over heads and over
 * the frame's queries; then pooled per frame like the features, bilinearly from 7x7 to 4x4 with
 * {@code align_corners=False}. The engine's per-patch scores, its pooled scores and the saliency the methods are
 * traced with must all match.
 */
class SaliencyReferenceTest {
    static final int F = 8, SIDE = 7, P = SIDE * SIDE, POOLED = 4, T = POOLED * POOLED, D = 48, H = 4, HD = D / H, M = 96;
    static final int IMG = 56, PATCH = 8, CH = 3;
    static final double EPS = 1e-6;
    static final String V = "vision_tower.vision_model.";

    static Map<String, double[]> w = new HashMap<>();
    static float[] pixels, goldenHidden;

    @BeforeAll
    static void load() {
        try (Safetensors s = Safetensors.open(Oracle.model().resolve("model.safetensors"))) {
            s.tensors().forEach((name, t) -> {
                if (name.startsWith(V)) w.put(name.substring(V.length()), toDouble(t.toFloatArray()));
            });
        }
        try (Safetensors g = Oracle.golden("forward.safetensors")) {
            pixels = g.get("pixel_values_videos").toFloatArray();
            goldenHidden = g.get("vision_hidden").toFloatArray();
        }
    }

    @AfterAll
    static void free() {
        w.clear();
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    /** The patch embedding (an 8x8 stride-8 convolution) plus positions: {@code [F·P, D]}. */
    static double[] embed() {
        double[] cw = w.get("embeddings.patch_embedding.weight"), cb = w.get("embeddings.patch_embedding.bias");
        double[] pos = w.get("embeddings.position_embedding.weight");
        double[] x = new double[F * P * D];
        for (int f = 0; f < F; f++)
            for (int p = 0; p < P; p++)
                for (int o = 0; o < D; o++) {
                    double s = cb[o] + pos[p * D + o];
                    for (int c = 0; c < CH; c++)
                        for (int ky = 0; ky < PATCH; ky++)
                            for (int kx = 0; kx < PATCH; kx++)
                                s += cw[((o * CH + c) * PATCH + ky) * PATCH + kx]
                                        * pixels[((f * CH + c) * IMG + (p / SIDE) * PATCH + ky) * IMG + (p % SIDE) * PATCH + kx];
                    x[(f * P + p) * D + o] = s;
                }
        return x;
    }

    static double[] layerNorm(double[] x, double[] g, double[] b) {
        int n = x.length / D;
        double[] y = new double[x.length];
        for (int r = 0; r < n; r++) {
            double mean = 0, var = 0;
            for (int i = 0; i < D; i++) mean += x[r * D + i];
            mean /= D;
            for (int i = 0; i < D; i++) var += (x[r * D + i] - mean) * (x[r * D + i] - mean);
            var /= D;
            for (int i = 0; i < D; i++) y[r * D + i] = (x[r * D + i] - mean) / Math.sqrt(var + EPS) * g[i] + b[i];
        }
        return y;
    }

    /** {@code x [n, in]} times the transposed {@code [out, in]} weight, plus the bias. */
    static double[] linear(double[] x, String name, int in, int out) {
        double[] wt = w.get(name + ".weight"), b = w.get(name + ".bias");
        int n = x.length / in;
        double[] y = new double[n * out];
        for (int r = 0; r < n; r++)
            for (int o = 0; o < out; o++) {
                double s = b[o];
                for (int i = 0; i < in; i++) s += x[r * in + i] * wt[o * in + i];
                y[r * out + o] = s;
            }
        return y;
    }

    /** Attention probabilities {@code [F][H][query][key]} of layer {@code l} on its input x. */
    static double[][][][] probabilities(double[] x, String l) {
        double[] xn = layerNorm(x, w.get(l + "layer_norm1.weight"), w.get(l + "layer_norm1.bias"));
        double[] q = linear(xn, l + "self_attn.q_proj", D, D), k = linear(xn, l + "self_attn.k_proj", D, D);
        double[][][][] prob = new double[F][H][P][P];
        for (int f = 0; f < F; f++)
            for (int h = 0; h < H; h++)
                for (int i = 0; i < P; i++) {
                    double[] row = prob[f][h][i];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < P; j++) {
                        double s = 0;
                        for (int e = 0; e < HD; e++) s += q[(f * P + i) * D + h * HD + e] * k[(f * P + j) * D + h * HD + e];
                        row[j] = s / Math.sqrt(HD);
                        max = Math.max(max, row[j]);
                    }
                    for (int j = 0; j < P; j++) sum += row[j] = Math.exp(row[j] - max);
                    for (int j = 0; j < P; j++) row[j] /= sum;
                }
        return prob;
    }

    /** Layer {@code l} of the tower, pre-LayerNorm: x += attn(LN1(x)); x += fc2(gelu_tanh(fc1(LN2(x)))). */
    static double[] layer(double[] x, String l) {
        double[][][][] prob = probabilities(x, l);
        double[] xn = layerNorm(x, w.get(l + "layer_norm1.weight"), w.get(l + "layer_norm1.bias"));
        double[] v = linear(xn, l + "self_attn.v_proj", D, D);
        double[] att = new double[x.length];
        for (int f = 0; f < F; f++)
            for (int h = 0; h < H; h++)
                for (int i = 0; i < P; i++)
                    for (int j = 0; j < P; j++)
                        for (int e = 0; e < HD; e++) att[(f * P + i) * D + h * HD + e] += prob[f][h][i][j] * v[(f * P + j) * D + h * HD + e];
        double[] o = linear(att, l + "self_attn.out_proj", D, D), y = x.clone();
        for (int i = 0; i < y.length; i++) y[i] += o[i];
        double[] hid = linear(layerNorm(y, w.get(l + "layer_norm2.weight"), w.get(l + "layer_norm2.bias")), l + "mlp.fc1", D, M);
        for (int i = 0; i < hid.length; i++) {
            double a = hid[i];
            hid[i] = 0.5 * a * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (a + 0.044715 * a * a * a)));
        }
        double[] m = linear(hid, l + "mlp.fc2", M, D);
        for (int i = 0; i < y.length; i++) y[i] += m[i];
        return y;
    }

    /** Attention received per patch {@code [F·P]}: probabilities averaged over heads and the frame's queries. */
    static double[] received(double[][][][] prob) {
        double[] r = new double[F * P];
        for (int f = 0; f < F; f++)
            for (int j = 0; j < P; j++) {
                double s = 0;
                for (int h = 0; h < H; h++) for (int i = 0; i < P; i++) s += prob[f][h][i][j];
                r[f * P + j] = s / (H * P);
            }
        return r;
    }

    /** torch {@code interpolate(mode="bilinear", align_corners=False)} of each frame's 7x7 scores to 4x4. */
    static double[] pool(double[] s) {
        double[] out = new double[F * T];
        double scale = (double) SIDE / POOLED;
        for (int f = 0; f < F; f++)
            for (int oy = 0; oy < POOLED; oy++)
                for (int ox = 0; ox < POOLED; ox++) {
                    double sy = Math.max((oy + 0.5) * scale - 0.5, 0), sx = Math.max((ox + 0.5) * scale - 0.5, 0);
                    int y0 = (int) Math.floor(sy), x0 = (int) Math.floor(sx);
                    int y1 = Math.min(y0 + 1, SIDE - 1), x1 = Math.min(x0 + 1, SIDE - 1);
                    double ly = sy - y0, lx = sx - x0;
                    double top = (1 - lx) * s[f * P + y0 * SIDE + x0] + lx * s[f * P + y0 * SIDE + x1];
                    double bottom = (1 - lx) * s[f * P + y1 * SIDE + x0] + lx * s[f * P + y1 * SIDE + x1];
                    out[f * T + oy * POOLED + ox] = (1 - ly) * top + ly * bottom;
                }
        return out;
    }

    /**
     * Every value within {@code tol} of the reference's spread (max - min): the scores of a frame sum to one and sit
     * near 1/49, so the error is measured against how much they differ, which is what the ranking reads.
     */
    static void assertMatches(String what, float[] got, double[] want, double tol) {
        assertEquals(want.length, got.length, what + ": length");
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY, err = 0;
        for (double v : want) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        for (int i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]));
        assertTrue(err <= tol * (hi - lo), what + ": max abs error " + err + " over a spread of " + (hi - lo));
    }

    @Test
    void receivedAttentionAndItsPoolingMatchAPlainDoublePrecisionRecomputation() {
        double[] x0 = embed(), x1 = layer(x0, "encoder.layers.0.");
        double[] hidden = layer(x1, "encoder.layers.1.");
        float[] h32 = new float[hidden.length];
        for (int i = 0; i < hidden.length; i++) h32[i] = (float) hidden[i];
        Oracle.assertClose("the reference tower against PyTorch's vision_hidden", h32, goldenHidden, 1e-5);

        double[] received = received(probabilities(x1, "encoder.layers.1."));
        double[] pooled = pool(received);
        for (int f = 0; f < F; f++) {
            double sum = 0;
            for (int j = 0; j < P; j++) sum += received[f * P + j];
            assertEquals(1.0, sum, 1e-12, "a frame's received attention is a mean of distributions");
        }

        try (LlavaOneVision model = LlavaOneVision.load(Oracle.model())) {
            float[] got = new float[F * P];
            model.visionHidden(pixels, F, got);
            assertMatches("attention received per patch", got, received, 1e-5);
            assertMatches("pooled scores", model.poolScores(got, F), pooled, 1e-5);
        }

        try (VideoQa qa = VideoQa.load(Oracle.model())) {
            for (String m : new String[] {"prumerge", "visionzip"}) {
                RecordingTrace trace = new RecordingTrace();
                qa.answerFromPixels(pixels, VisionOptions.of(F), "What happens in this video?", null, GenerationOptions.greedy(1),
                        CompressionMethods.parse(m, java.util.Map.of("ratio", "0.5")), null, trace);
                float[] saliency = trace.floats().get("saliency");
                assertNotNull(saliency, m + " traces its saliency");
                assertMatches("the saliency " + m + " ranks by", saliency, pooled, 1e-5);
            }
        }
    }
}
