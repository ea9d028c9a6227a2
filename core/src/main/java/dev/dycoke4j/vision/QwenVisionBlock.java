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
 * {@code cu_seqlens} (a window, or a whole temporal patch in a full-attention block) attends only to itself; all
 * segments are one attention job.
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
     * x {@code [n, hidden]} in the tower's order, updated in place.
     *
     * @param cuSeqlens attention segments (patch boundaries, from 0 to n)
     * @param cos       rotary cos table {@code [n, head_dim/2]} in the same order
     * @param sin       rotary sin table
     */
    void forward(float[] x, int n, int[] cuSeqlens, QwenVisionRotary rotary, float[] cos, float[] sin) {
        int d = c.hiddenSize(), hd = c.headDim(), H = c.numHeads();
        float[] xb = new float[n * d];
        Norms.rmsNorm(x, norm1, EPS, xb, n, d);
        float[][] qkv = Linear.applySameInput(xb, n, q, k, v);
        float[] qs = qkv[0], ks = qkv[1], vs = qkv[2];
        rotary.apply(qs, n, H, cos, sin);
        rotary.apply(ks, n, H, cos, sin);
        float[] att = xb; // the norm's output is no longer needed
        float scale = (float) Math.pow(hd, -0.5);
        Attention.attendSegments(new Attention.Shape(n, n, H, H, hd, d, d, false, 0, scale), cuSeqlens, qs, ks, vs, att);
        float[] out = proj.apply(att, n);
        for (int i = 0; i < n * d; i++) x[i] += out[i];
        Norms.rmsNorm(x, norm2, EPS, xb, n, d);
        float[][] gu = Linear.applySameInput(xb, n, gate, up);
        Activations.siluMul(gu[0], gu[1], gu[0].length);
        down.apply(gu[0], n, out);
        for (int i = 0; i < n * d; i++) x[i] += out[i];
    }
}
