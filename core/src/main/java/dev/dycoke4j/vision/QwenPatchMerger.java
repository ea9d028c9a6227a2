package dev.dycoke4j.vision;

import dev.dycoke4j.io.Qwen25VlVisionConfig;
import dev.dycoke4j.io.Weights;
import dev.dycoke4j.kernel.Activations;
import dev.dycoke4j.kernel.Linear;
import dev.dycoke4j.kernel.Norms;

/**
 * Qwen2.5-VL's {@code PatchMerger}: RMSNorm ({@code ln_q}) per patch, then each merge unit's 4 consecutive patches
 * read as one row of {@code 4·hidden}, then {@code mlp.0} (Linear), exact GELU, {@code mlp.2} (Linear to the LLM's
 * width).
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

    /** x {@code [n, hidden]} (n a multiple of the merge unit) to {@code [n / 4, out_hidden]}, rows in the same order. */
    float[] forward(float[] x, int n) {
        int d = c.hiddenSize();
        float[] xb = new float[n * d];
        Norms.rmsNorm(x, lnQ, QwenVisionBlock.EPS, xb, n, d);
        int tokens = n / c.mergeUnit();
        float[] h = fc1.apply(xb, tokens);
        Activations.geluErf(h, h.length);
        return fc2.apply(h, tokens);
    }
}
