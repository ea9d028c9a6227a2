package dev.dycoke4j.llm;

import dev.dycoke4j.io.LlavaConfig.TextConfig;
import dev.dycoke4j.kernel.Activations;
import dev.dycoke4j.kernel.Norms;
import dev.dycoke4j.kernel.Rope;
import dev.dycoke4j.kernel.Linear;
import dev.dycoke4j.io.Weights;

import java.util.Arrays;

/** One Qwen2 block: x += o(attn(rope(q), rope(k), v)) over RMSNorm(x); x += down(silu(gate)·up) over RMSNorm(x). */
final class Qwen2Layer {
    private final TextConfig c;
    private final int index;
    private final float[] inNorm, postNorm;
    private final Linear q, k, v, o, gate, up, down;

    Qwen2Layer(Weights w, TextConfig c, String prefix, int i) {
        this.c = c;
        this.index = i;
        String p = prefix + "layers." + i + ".";
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
     * One sequence's consecutive rows of a layer's input: {@code count} tokens at rotary positions
     * {@code positions} whose keys and values go into {@code cache}'s next slots of the layer.
     * For a single decode token, {@code active} restricts the slots attended (null: all). If {@code probs} is not null
     * it receives the last row's attention probabilities over the slots, averaged over query heads.
     */
    record Rows(KvCache cache, int count, Positions positions, int[] active, float[] probs) {
    }

    /**
     * Runs the rows of one or more sequences, {@code x [Σ count, d]} (each sequence's rows in turn), updated in place.
     * Every linear layer takes all the rows at once, so a batch of decode tokens reads each weight once; RoPE, the
     * cache writes and attention (by the kernel of the layer's {@link KvStorage}, causal over the layer's slots) are
     * each sequence's own.
     */
    void forward(float[] x, Rope rope, Rows... seqs) {
        int d = c.hiddenSize(), T = 0;
        for (Rows s : seqs) T += s.count;
        float[] xb = new float[T * d];
        Norms.rmsNorm(x, inNorm, (float) c.rmsNormEps(), xb, T, d);
        float[][] qkv = Linear.applySameInput(xb, T, q, k, v);
        float[] att = new float[T * c.numHeads() * c.headDim()];
        int row = 0;
        for (Rows s : seqs) {
            attend(s, row, qkv[0], qkv[1], qkv[2], rope, att);
            row += s.count;
        }
        afterAttention(x, xb, att, T);
    }

    /** RoPE, the cache write and attention of one sequence's rows, from {@code row} on in q, k, v and att. */
    private void attend(Rows s, int row, float[] qs, float[] ks, float[] vs, Rope rope, float[] att) {
        int hd = c.headDim(), H = c.numHeads(), KVH = c.numKvHeads(), kvDim = KVH * hd, qDim = H * hd, n = s.count;
        float[] cos = new float[hd / 2], sin = new float[hd / 2];
        Positions p = s.positions;
        for (int t = 0; t < n; t++) {
            rope.apply(qs, (row + t) * qDim, H, p.t(t), p.h(t), p.w(t), cos, sin);
            rope.apply(ks, (row + t) * kvDim, KVH, p.t(t), p.h(t), p.w(t), cos, sin);
        }
        KvCache cache = s.cache;
        int slot0 = cache.length(index);
        cache.reserve(index, n);
        cache.put(index, slot0, n, ks, row * kvDim, vs, row * kvDim);
        boolean all = n * qDim == qs.length; // one sequence: its rows are the whole arrays
        float[] q1 = all ? qs : Arrays.copyOfRange(qs, row * qDim, (row + n) * qDim);
        float[] out = all ? att : new float[n * qDim];
        cache.storage(index).attend(q1, n, slot0, H, (float) Math.pow(hd, -0.5), s.active, out, s.probs);
        if (!all) System.arraycopy(out, 0, att, row * qDim, n * qDim);
        cache.advance(index, n);
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
