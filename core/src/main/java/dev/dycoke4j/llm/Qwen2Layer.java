package dev.dycoke4j.llm;

import dev.dycoke4j.io.LlavaConfig.TextConfig;
import dev.dycoke4j.kernel.Activations;
import dev.dycoke4j.kernel.Norms;
import dev.dycoke4j.kernel.Rope;
import dev.dycoke4j.kernel.Linear;
import dev.dycoke4j.io.Weights;

/** One Qwen2 block: x += o(attn(rope(q), rope(k), v)) over RMSNorm(x); x += down(silu(gate)·up) over RMSNorm(x). */
final class Qwen2Layer {
    private final TextConfig c;
    private final int index;
    private final float[] inNorm, postNorm;
    private final Linear q, k, v, o, gate, up, down;

    Qwen2Layer(Weights w, TextConfig c, int i) {
        this.c = c;
        this.index = i;
        String p = "language_model.model.layers." + i + ".";
        int d = c.hiddenSize(), hd = c.headDim(), m = c.intermediateSize();
        inNorm = w.vector(p + "input_layernorm.weight", d);
        postNorm = w.vector(p + "post_attention_layernorm.weight", d);
        q = w.llmLinear(p + "self_attn.q_proj", c.numHeads() * hd, d, true);
        k = w.llmLinear(p + "self_attn.k_proj", c.numKvHeads() * hd, d, true);
        v = w.llmLinear(p + "self_attn.v_proj", c.numKvHeads() * hd, d, true);
        o = w.llmLinear(p + "self_attn.o_proj", d, c.numHeads() * hd, false);
        gate = w.llmLinear(p + "mlp.gate_proj", m, d, false);
        up = w.llmLinear(p + "mlp.up_proj", m, d, false);
        down = w.llmLinear(p + "mlp.down_proj", d, m, false);
    }

    /** Weight bytes of the seven linear layers: what one decode step reads from memory. */
    long weightBytes() {
        return q.weightBytes() + k.weightBytes() + v.weightBytes() + o.weightBytes() + gate.weightBytes() + up.weightBytes() + down.weightBytes();
    }

    /**
     * Runs T tokens at absolute positions {@code positions[0..T)} (ascending); x {@code [T, d]} is updated in place.
     * Their keys and values go into this layer's next cache slots; attention, by the kernel of the layer's
     * {@link KvStorage}, is causal over the layer's slots. For a single decode token, {@code active} restricts the
     * slots attended (null: all). If {@code probs} is not null it receives the last row's attention probabilities over
     * the slots, averaged over query heads.
     */
    void forward(float[] x, int T, int[] positions, KvCache cache, Rope rope, int[] active, float[] probs) {
        int d = c.hiddenSize(), hd = c.headDim(), H = c.numHeads(), KVH = c.numKvHeads(), kvDim = KVH * hd;
        int slot0 = cache.length(index);
        cache.reserve(index, T);
        float[] xb = new float[T * d];
        Norms.rmsNorm(x, inNorm, (float) c.rmsNormEps(), xb, T, d);
        float[][] qkv = Linear.applySameInput(xb, T, q, k, v);
        float[] qs = qkv[0], ks = qkv[1], vs = qkv[2];
        float[] cos = new float[hd / 2], sin = new float[hd / 2];
        for (int t = 0; t < T; t++) {
            rope.apply(qs, t * H * hd, H, positions[t], cos, sin);
            rope.apply(ks, t * kvDim, KVH, positions[t], cos, sin);
        }
        cache.put(index, slot0, T, ks, 0, vs, 0);
        float[] att = new float[T * H * hd];
        cache.storage(index).attend(qs, T, slot0, H, (float) Math.pow(hd, -0.5), active, att, probs);
        cache.advance(index, T);
        afterAttention(x, xb, att, T);
    }

    /** The attention output projection and residual, then the MLP block and its residual; xb is scratch. */
    private void afterAttention(float[] x, float[] xb, float[] att, int T) {
        int d = c.hiddenSize();
        o.apply(att, T, xb);
        for (int i = 0; i < T * d; i++) x[i] += xb[i];
        Norms.rmsNorm(x, postNorm, (float) c.rmsNormEps(), xb, T, d);
        float[][] gu = Linear.applySameInput(xb, T, gate, up);
        float[] g = gu[0], u = gu[1];
        Activations.siluMul(g, u, g.length);
        down.apply(g, T, xb);
        for (int i = 0; i < T * d; i++) x[i] += xb[i];
    }
}
