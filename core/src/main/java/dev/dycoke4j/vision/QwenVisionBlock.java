package dev.dycoke4j.vision;

import dev.dycoke4j.io.Qwen25VlVisionConfig;
import dev.dycoke4j.io.Weights;
import dev.dycoke4j.kernel.Activations;
import dev.dycoke4j.kernel.Attention;
import dev.dycoke4j.kernel.Linear;
import dev.dycoke4j.kernel.Norms;
import dev.dycoke4j.tensor.Tensor;

import java.util.Arrays;

/**
 * One Qwen2.5-VL vision block: {@code x += proj(attn(rot(qkv(RMSNorm1(x)))))}, then
 * {@code x += down(silu(gate(h)) · up(h))} with {@code h = RMSNorm2(x)}. Attention is block-diagonal: each segment of
 * {@code cu_seqlens} (a window, or a whole temporal patch in a full-attention block) attends only to itself. The block
 * runs as ops over a group of rows ({@link QwenPass}: whole windows of one temporal patch), each row's values
 * independent of the other groups but for the keys and values a full-attention block's queries see.
 */
final class QwenVisionBlock {
    static final float EPS = 1e-6f;
    private final Qwen25VlVisionConfig c;
    private final float[] norm1, norm2;
    private final Linear q, k, v, proj, gate, up, down;

    QwenVisionBlock(Weights w, Qwen25VlVisionConfig c, String prefix) {
        this.c = c;
        int d = c.hiddenSize(), m = c.intermediateSize();
        norm1 = w.vector(prefix + "norm1.weight", d);
        norm2 = w.vector(prefix + "norm2.weight", d);
        // The fused qkv [3d, d] is q, k and v stacked by rows: three row slices share its mapped bytes.
        Tensor qkv = w.matrix(prefix + "attn.qkv.weight", 3 * d, d);
        float[] qkvBias = w.vector(prefix + "attn.qkv.bias", 3 * d);
        q = rows(qkv, qkvBias, 0, d);
        k = rows(qkv, qkvBias, 1, d);
        v = rows(qkv, qkvBias, 2, d);
        proj = w.linear(prefix + "attn.proj", d, d, true);
        gate = w.linear(prefix + "mlp.gate_proj", m, d, true);
        up = w.linear(prefix + "mlp.up_proj", m, d, true);
        down = w.linear(prefix + "mlp.down_proj", d, m, true);
    }

    private static Linear rows(Tensor w, float[] bias, int part, int d) {
        long bytes = (long) d * w.dim(1) * w.dtype().bytes;
        Tensor slice = new Tensor(w.name() + "[" + part + "]", w.dtype(), new long[]{d, w.dim(1)},
                w.segment().asSlice(part * bytes, bytes));
        return new Linear(slice, Arrays.copyOfRange(bias, part * d, (part + 1) * d));
    }

    /**
     * The scratch of one pass, reused by every block: a group's rows ({@code rows} at most), and a temporal patch's
     * q, k and v ({@code segment} rows at most) for the full-attention blocks, whose queries see the whole patch.
     */
    static final class Buffers {
        final float[] xb, q, k, v, att, out, gate, up;
        final float[] segQ, segK, segV;

        Buffers(int rows, int segment, Qwen25VlVisionConfig c) {
            int d = c.hiddenSize(), m = c.intermediateSize();
            xb = new float[rows * d];
            q = new float[rows * d];
            k = new float[rows * d];
            v = new float[rows * d];
            att = new float[rows * d];
            out = new float[rows * d];
            gate = new float[rows * m];
            up = new float[rows * m];
            segQ = new float[segment * d];
            segK = new float[segment * d];
            segV = new float[segment * d];
        }
    }

    /**
     * RMSNorm1, q, k and v of x's rows {@code r0..r0+rows} (the tower's order), rotated by the same rows of the rotary
     * tables, into {@code b.q}, {@code b.k}, {@code b.v}; for a full-attention block also into rows
     * {@code at..at+rows} of the temporal patch's {@code b.segQ}, {@code b.segK}, {@code b.segV}.
     */
    void attentionInput(float[] x, int r0, int rows, Buffers b, QwenVisionRotary rotary, float[] cos, float[] sin, boolean full, int at) {
        int d = c.hiddenSize();
        System.arraycopy(x, r0 * d, b.xb, 0, rows * d);
        Norms.rmsNorm(b.xb, norm1, EPS, b.xb, rows, d);
        Linear.applySameInput(b.xb, rows, new float[][]{b.q, b.k, b.v}, q, k, v);
        rotary.apply(b.q, rows, c.numHeads(), cos, sin, r0);
        rotary.apply(b.k, rows, c.numHeads(), cos, sin, r0);
        if (!full) return;
        System.arraycopy(b.q, 0, b.segQ, at * d, rows * d);
        System.arraycopy(b.k, 0, b.segK, at * d, rows * d);
        System.arraycopy(b.v, 0, b.segV, at * d, rows * d);
    }

    /**
     * A group's windowed attention into {@code b.att}: its {@code rows} queries, keys and values in {@code b.q},
     * {@code b.k}, {@code b.v}, each window (boundaries {@code cuSeqlens}, from 0 to rows) attending within itself.
     */
    void attendWindows(int rows, int[] cuSeqlens, Buffers b) {
        int d = c.hiddenSize();
        Attention.attendSegments(new Attention.Shape(rows, rows, c.numHeads(), c.numHeads(), c.headDim(), d, d, false, 0, scale()),
                cuSeqlens, b.q, b.k, b.v, b.att);
    }

    /**
     * A group's full attention into {@code b.att}: its queries, rows {@code at..at+rows} of {@code b.segQ}, over all
     * {@code keys} keys and values of its temporal patch.
     */
    void attendFull(int at, int rows, int keys, Buffers b) {
        int d = c.hiddenSize();
        System.arraycopy(b.segQ, at * d, b.q, 0, rows * d);
        Attention.attendBatched(new Attention.Shape(rows, keys, c.numHeads(), c.numHeads(), c.headDim(), d, d, false, 0, scale()),
                1, 0, b.q, b.segK, b.segV, b.att);
    }

    private float scale() {
        return (float) Math.pow(c.headDim(), -0.5);
    }

    /** {@code x[r0..r0+rows] += proj(b.att)}. */
    void attentionOutput(float[] x, int r0, int rows, Buffers b) {
        proj.apply(b.att, rows, b.out);
        addRows(x, r0, rows, b.out);
    }

    /** RMSNorm2 of x's rows, gate and up, into {@code b.gate = silu(gate)·up}. */
    void mlpInput(float[] x, int r0, int rows, Buffers b) {
        int d = c.hiddenSize();
        System.arraycopy(x, r0 * d, b.xb, 0, rows * d);
        Norms.rmsNorm(b.xb, norm2, EPS, b.xb, rows, d);
        Linear.applySameInput(b.xb, rows, new float[][]{b.gate, b.up}, gate, up);
        Activations.siluMul(b.gate, b.up, rows * c.intermediateSize());
    }

    /** {@code x[r0..r0+rows] += down(b.gate)}. */
    void mlpOutput(float[] x, int r0, int rows, Buffers b) {
        down.apply(b.gate, rows, b.out);
        addRows(x, r0, rows, b.out);
    }

    private void addRows(float[] x, int r0, int rows, float[] y) {
        int d = c.hiddenSize(), o = r0 * d;
        for (int i = 0; i < rows * d; i++) x[o + i] += y[i];
    }
}
