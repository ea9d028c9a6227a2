package dev.dycoke4j.vision;

import dev.dycoke4j.io.LlavaConfig.VisionConfig;
import dev.dycoke4j.kernel.Attention;
import dev.dycoke4j.kernel.Epilogue;
import dev.dycoke4j.kernel.Norms;
import dev.dycoke4j.kernel.Linear;
import dev.dycoke4j.io.Weights;
import dev.dycoke4j.parallel.Parallel;

/**
 * One pre-LayerNorm SigLIP encoder block, x += attn(LN1(x)); x += fc2(gelu_tanh(fc1(LN2(x)))), on one frame's
 * patches at a time, as five ops that run in order ({@link #attentionInput}, {@link #attend}, {@link #attentionOutput},
 * {@link #mlpInput}, {@link #mlpOutput}) so that a caller can stop between any two. The bias, the GELU and the residual
 * adds run as the GEMMs' epilogues, on each block of output while it is in cache. A frame's rows give the values they
 * give in a GEMM over many frames (a row's products do not depend on the rows beside it).
 */
final class SiglipLayer {
    private final VisionConfig c;
    private final float[] ln1w, ln1b, ln2w, ln2b;
    private final Linear q, k, v, o, fc1, fc2;

    SiglipLayer(Weights w, VisionConfig c, int i) {
        this.c = c;
        String p = "vision_tower.vision_model.encoder.layers." + i + ".";
        int d = c.hiddenSize(), m = c.intermediateSize();
        ln1w = w.vector(p + "layer_norm1.weight", d);
        ln1b = w.vector(p + "layer_norm1.bias", d);
        ln2w = w.vector(p + "layer_norm2.weight", d);
        ln2b = w.vector(p + "layer_norm2.bias", d);
        q = w.linear(p + "self_attn.q_proj", d, d, true);
        k = w.linear(p + "self_attn.k_proj", d, d, true);
        v = w.linear(p + "self_attn.v_proj", d, d, true);
        o = w.linear(p + "self_attn.out_proj", d, d, true);
        fc1 = w.linear(p + "mlp.fc1", m, d, true);
        fc2 = w.linear(p + "mlp.fc2", d, m, true);
    }

    /**
     * One frame's activations, allocated once per pass and reused by every layer and frame (the MLP's alone is
     * {@code P x intermediate} floats, which fresh per op cost a page-faulting zero fill each time); {@code scores}
     * holds one head's attention probabilities for the saliency, when it is asked for.
     */
    static final class Buffers {
        final int rows;
        final float[] xb, q, k, v, proj, h;
        float[] scores;

        Buffers(int rows, VisionConfig c) {
            int d = c.hiddenSize();
            this.rows = rows;
            xb = new float[rows * d];
            q = new float[rows * d];
            k = new float[rows * d];
            v = new float[rows * d];
            proj = new float[rows * d];
            h = new float[rows * c.intermediateSize()];
        }
    }

    /** LN1 of the frame's rows x {@code [P, d]}, then q, k and v into {@code b}. */
    void attentionInput(float[] x, Buffers b) {
        int d = c.hiddenSize(), n = b.rows;
        Norms.layerNorm(x, ln1w, ln1b, (float) c.layerNormEps(), b.xb, n, d);
        q.apply(b.xb, n, b.q);
        k.apply(b.xb, n, b.k);
        v.apply(b.xb, n, b.v);
    }

    /** The frame's attention over its own patches, from {@code b}'s q, k, v into {@code b.xb} (LN1's output is no longer needed). */
    void attend(Buffers b) {
        int d = c.hiddenSize(), hd = c.headDim(), P = b.rows;
        var shape = new Attention.Shape(P, P, c.numHeads(), c.numHeads(), hd, d, d, false, 0, (float) Math.pow(hd, -0.5));
        Attention.attendBatched(shape, 1, P * d, b.q, b.k, b.v, b.xb);
    }

    /** x += o(attention). */
    void attentionOutput(float[] x, Buffers b) {
        o.apply(b.xb, b.rows, b.proj, Epilogue.addInto(x));
    }

    /** LN2 of x, then fc1 and the GELU into {@code b.h}. */
    void mlpInput(float[] x, Buffers b) {
        Norms.layerNorm(x, ln2w, ln2b, (float) c.layerNormEps(), b.xb, b.rows, c.hiddenSize());
        fc1.apply(b.xb, b.rows, b.h, Epilogue.GELU_TANH);
    }

    /** x += fc2(h). */
    void mlpOutput(float[] x, Buffers b) {
        fc2.apply(b.h, b.rows, b.proj, Epilogue.addInto(x));
    }

    /**
     * Head {@code h}'s share of the attention each patch of the frame receives in this layer, for token-pruning
     * methods that rank by it (SigLIP has no CLS token): the head's softmax probabilities of {@code b}'s q against its
     * k (as {@link #attentionInput} left them), each divided by heads x queries, added to {@code received[off..off+P)}. Run for
     * every head in order, it gives the probabilities averaged over heads and over the frame's queries. The queries'
     * rows are computed in parallel; each patch's sum then takes them in query order, so the sums are those of one
     * thread running heads and queries in turn.
     */
    void received(Buffers b, int h, float[] received, int off) {
        int d = c.hiddenSize(), P = b.rows, hd = c.headDim(), H = c.numHeads();
        float[] qs = b.q, ks = b.k;
        if (b.scores == null) b.scores = new float[P * P];
        float[] p = b.scores;
        float scale = (float) Math.pow(hd, -0.5);
        Parallel.forRange(P, 8, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                int row = i * P;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < P; j++) {
                    float sc = 0;
                    int qo = i * d + h * hd, ko = j * d + h * hd;
                    for (int e = 0; e < hd; e++) sc += qs[qo + e] * ks[ko + e];
                    p[row + j] = sc * scale;
                    max = Math.max(max, p[row + j]);
                }
                double sum = 0;
                for (int j = 0; j < P; j++) sum += p[row + j] = (float) Math.exp(p[row + j] - max);
                float inv = (float) (1.0 / (sum * H * P));
                for (int j = 0; j < P; j++) p[row + j] *= inv;
            }
        });
        Parallel.forRange(P, 32, (lo, hi) -> {
            for (int i = 0; i < P; i++) {
                int row = i * P;
                for (int j = lo; j < hi; j++) received[off + j] += p[row + j];
            }
        });
    }
}
