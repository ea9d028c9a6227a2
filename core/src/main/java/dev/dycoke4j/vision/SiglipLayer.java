package dev.dycoke4j.vision;

import dev.dycoke4j.io.LlavaConfig.VisionConfig;
import dev.dycoke4j.kernel.Attention;
import dev.dycoke4j.kernel.Epilogue;
import dev.dycoke4j.kernel.Norms;
import dev.dycoke4j.kernel.Linear;
import dev.dycoke4j.io.Weights;

/** One pre-LayerNorm SigLIP encoder block: x += attn(LN1(x)); x += fc2(gelu_tanh(fc1(LN2(x)))). */
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
     * How much attention each patch receives in this layer, for token-pruning methods that rank by it (SigLIP has no
     * CLS token): for every frame, the probabilities averaged over heads and over the frame's queries,
     * {@code [frames·P]}. x is this layer's input, not changed.
     */
    float[] attentionReceived(float[] x, int frames, int patches) {
        int d = c.hiddenSize(), n = frames * patches, hd = c.headDim(), H = c.numHeads();
        float[] xb = new float[n * d];
        Norms.layerNorm(x, ln1w, ln1b, (float) c.layerNormEps(), xb, n, d);
        float[] qs = q.apply(xb, n), ks = k.apply(xb, n);
        float[] received = new float[n];
        float scale = (float) Math.pow(hd, -0.5);
        dev.dycoke4j.parallel.Parallel.forRange(frames, 1, (lo, hi) -> {
            float[] row = new float[patches];
            for (int f = lo; f < hi; f++) {
                int base = f * patches;
                for (int h = 0; h < H; h++)
                    for (int i = 0; i < patches; i++) {
                        float max = Float.NEGATIVE_INFINITY;
                        for (int j = 0; j < patches; j++) {
                            float sc = 0;
                            int qo = (base + i) * d + h * hd, ko = (base + j) * d + h * hd;
                            for (int e = 0; e < hd; e++) sc += qs[qo + e] * ks[ko + e];
                            row[j] = sc * scale;
                            max = Math.max(max, row[j]);
                        }
                        double sum = 0;
                        for (int j = 0; j < patches; j++) sum += row[j] = (float) Math.exp(row[j] - max);
                        float inv = (float) (1.0 / (sum * H * patches));
                        for (int j = 0; j < patches; j++) received[base + j] += row[j] * inv;
                    }
            }
        });
        return received;
    }

    /**
     * A layer's activations, allocated once per batch of frames and reused by every layer (the MLP's alone is
     * {@code frames·P x intermediate} floats, which fresh per layer cost a page-faulting zero fill each time).
     */
    static final class Buffers {
        final int rows;
        final float[] xb, q, k, v, proj, h;

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

    /**
     * x: [frames·P, d], updated in place, through {@code b}'s buffers; attention stays within each frame's P patches.
     * The bias, the GELU and the residual adds run as the GEMMs' epilogues, on
     * each block of output while it is in cache, and the attention of all frames is one job: the same values as a
     * pass per op.
     */
    void forward(float[] x, int frames, int patches, Buffers b) {
        int d = c.hiddenSize(), n = frames * patches, hd = c.headDim();
        if (b.rows != n) throw new IllegalArgumentException("buffers for " + b.rows + " rows, not " + n);
        float eps = (float) c.layerNormEps();
        Norms.layerNorm(x, ln1w, ln1b, eps, b.xb, n, d);
        q.apply(b.xb, n, b.q);
        k.apply(b.xb, n, b.k);
        v.apply(b.xb, n, b.v);
        var shape = new Attention.Shape(patches, patches, c.numHeads(), c.numHeads(), hd, d, d, false, 0, (float) Math.pow(hd, -0.5));
        Attention.attendBatched(shape, frames, patches * d, b.q, b.k, b.v, b.xb); // the LN output is no longer needed
        o.apply(b.xb, n, b.proj, Epilogue.addInto(x));
        Norms.layerNorm(x, ln2w, ln2b, eps, b.xb, n, d);
        fc1.apply(b.xb, n, b.h, Epilogue.GELU_TANH);
        fc2.apply(b.h, n, b.proj, Epilogue.addInto(x));
    }
}
