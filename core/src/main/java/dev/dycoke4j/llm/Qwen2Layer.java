package dev.dycoke4j.llm;

import dev.dycoke4j.io.LlavaConfig.TextConfig;
import dev.dycoke4j.kernel.Activations;
import dev.dycoke4j.kernel.Norms;
import dev.dycoke4j.kernel.Rope;
import dev.dycoke4j.kernel.Linear;
import dev.dycoke4j.io.Weights;
import dev.dycoke4j.parallel.Parallel;

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
     * One forward pass's activations for up to {@code rows} rows: made once per call of the decoder and reused by
     * every layer, since fresh per layer a prefill's gate and up rows alone are {@code 2·T·intermediate} floats of
     * garbage for each of the layers, which the heap grows to hold.
     */
    static final class Buffers {
        final int rows;
        final float[] xb, q, k, v, att, gate, up;

        Buffers(TextConfig c, int rows) {
            int d = c.hiddenSize(), qDim = c.numHeads() * c.headDim(), kvDim = c.numKvHeads() * c.headDim(), m = c.intermediateSize();
            this.rows = rows;
            xb = new float[rows * d];
            q = new float[rows * qDim];
            k = new float[rows * kvDim];
            v = new float[rows * kvDim];
            att = new float[rows * qDim];
            gate = new float[rows * m];
            up = new float[rows * m];
        }
    }

    /**
     * Runs the rows of one or more sequences, {@code x [Σ count, d]} (each sequence's rows in turn), updated in place,
     * through {@code b}'s buffers (at least as many rows). Every linear layer takes all the rows at once, so a batch
     * of decode tokens reads each weight once; RoPE, the cache writes and attention (by the kernel of the layer's
     * {@link KvStorage}, causal over the layer's slots) are each sequence's own; a batch of decode tokens runs the
     * sequences' attention side by side on the pool's threads (each computes as it would alone: same key chunks).
     */
    void forward(float[] x, Rope rope, Buffers b, Rows... seqs) {
        int d = c.hiddenSize(), T = 0;
        int[] first = new int[seqs.length]; // each sequence's first row
        for (int i = 0; i < seqs.length; i++) {
            first[i] = T;
            T += seqs[i].count;
        }
        if (T > b.rows) throw new IllegalArgumentException("buffers for " + b.rows + " rows, not " + T);
        Norms.rmsNorm(x, inNorm, (float) c.rmsNormEps(), b.xb, T, d);
        Linear.applySameInput(b.xb, T, new float[][]{b.q, b.k, b.v}, q, k, v);
        if (seqs.length > 1 && T == seqs.length) {
            // a batch of decode tokens: the sequences' attention side by side, one per thread at a time (each is short
            // at the contexts a server batches, and alone would leave the other threads waiting)
            Parallel.forRange(seqs.length, 1, (lo, hi) -> {
                for (int i = lo; i < hi; i++) attend(seqs[i], first[i], seqs.length, b, rope);
            });
        } else {
            for (int i = 0; i < seqs.length; i++) attend(seqs[i], first[i], T, b, rope);
        }
        afterAttention(x, T, b);
    }

    /** RoPE, the cache write and attention of one sequence's rows, from {@code row} on of the {@code T} in b's q, k, v and att. */
    private void attend(Rows s, int row, int T, Buffers b, Rope rope) {
        int hd = c.headDim(), H = c.numHeads(), KVH = c.numKvHeads(), kvDim = KVH * hd, qDim = H * hd, n = s.count;
        float[] qs = b.q, ks = b.k, vs = b.v, att = b.att;
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
        boolean all = row == 0 && n == T; // one sequence: its rows lead the buffers
        float[] q1 = all ? qs : Arrays.copyOfRange(qs, row * qDim, (row + n) * qDim);
        float[] out = all ? att : new float[n * qDim];
        cache.storage(index).attend(q1, n, slot0, H, (float) Math.pow(hd, -0.5), s.active, out, s.probs);
        if (!all) System.arraycopy(out, 0, att, row * qDim, n * qDim);
        cache.advance(index, n);
    }

    /** The attention output projection and residual, then the MLP block and its residual (b.xb is scratch). */
    private void afterAttention(float[] x, int T, Buffers b) {
        int d = c.hiddenSize();
        float[] xb = b.xb;
        o.apply(b.att, T, xb);
        for (int i = 0; i < T * d; i++) x[i] += xb[i];
        Norms.rmsNorm(x, postNorm, (float) c.rmsNormEps(), xb, T, d);
        Linear.applySameInput(xb, T, new float[][]{b.gate, b.up}, gate, up);
        Activations.siluMul(b.gate, b.up, T * c.intermediateSize());
        down.apply(b.gate, T, xb);
        for (int i = 0; i < T * d; i++) x[i] += xb[i];
    }
}
