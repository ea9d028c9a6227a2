package dev.dycoke4j.vision;

import dev.dycoke4j.io.Qwen25VlVisionConfig;
import dev.dycoke4j.io.Weights;
import dev.dycoke4j.kernel.Activations;
import dev.dycoke4j.kernel.Linear;
import dev.dycoke4j.kernel.Norms;

/**
 * Qwen2.5-VL's {@code PatchMerger}: RMSNorm ({@code ln_q}) per patch, then each merge unit's 4 consecutive patches
 * read as one row of {@code 4·hidden}, then {@code mlp.0} (Linear), exact GELU, {@code mlp.2} (Linear to the LLM's
 * width). It runs over a group of rows at a time ({@link QwenPass}), in two ops.
 */
final class QwenPatchMerger {
    private final Qwen25VlVisionConfig c;
    private final float[] lnQ;
    private final Linear fc1, fc2;

    QwenPatchMerger(Weights w, Qwen25VlVisionConfig c, String prefix) {
        this.c = c;
        int d = c.hiddenSize(), wide = d * c.mergeUnit();
        lnQ = w.vector(prefix + "ln_q.weight", d);
        fc1 = w.linear(prefix + "mlp.0", wide, wide, true);
        fc2 = w.linear(prefix + "mlp.2", c.outHiddenSize(), wide, true);
    }

    /** Width of the hidden layer: a merge unit's patches side by side. */
    int wide() {
        return c.hiddenSize() * c.mergeUnit();
    }

    /**
     * {@code ln_q}, {@code mlp.0} and the GELU of x's rows {@code r0..r0+rows} (whole merge units) into {@code h}
     * {@code [rows / 4, 4·hidden]}, using {@code xb} ({@code rows·hidden}) as scratch.
     */
    void hidden(float[] x, int r0, int rows, float[] xb, float[] h) {
        int d = c.hiddenSize();
        System.arraycopy(x, r0 * d, xb, 0, rows * d);
        Norms.rmsNorm(xb, lnQ, QwenVisionBlock.EPS, xb, rows, d);
        int tokens = rows / c.mergeUnit();
        fc1.apply(xb, tokens, h);
        Activations.geluErf(h, tokens * wide());
    }

    /** {@code mlp.2} of {@code tokens} rows of {@code h} into {@code out} {@code [tokens, out_hidden]}. */
    void output(float[] h, int tokens, float[] out) {
        fc2.apply(h, tokens, out);
    }
}
