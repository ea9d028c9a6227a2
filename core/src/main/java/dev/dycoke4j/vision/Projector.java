package dev.dycoke4j.vision;

import dev.dycoke4j.io.LlavaConfig;
import dev.dycoke4j.kernel.Activations;
import dev.dycoke4j.kernel.Linear;
import dev.dycoke4j.io.Weights;

/** The multimodal projector: linear_1, exact (erf) GELU, linear_2, from vision width to text width. */
public final class Projector {
    private final Linear l1, l2;

    public Projector(Weights w, LlavaConfig cfg) {
        if (!cfg.projectorHiddenAct().equals("gelu"))
            throw new dev.dycoke4j.io.ModelFormatException(w.checkpoint().dir().resolve("config.json")
                    + ": projector_hidden_act '" + cfg.projectorHiddenAct() + "' is not supported (gelu only)");
        int dv = cfg.vision().hiddenSize(), dt = cfg.text().hiddenSize();
        l1 = w.linear("multi_modal_projector.linear_1", dt, dv, true);
        l2 = w.linear("multi_modal_projector.linear_2", dt, dt, true);
    }

    /** {@code [n, dv]} to {@code [n, dt]}. */
    public float[] project(float[] x, int n) {
        float[] h = l1.apply(x, n);
        Activations.geluErf(h, h.length);
        return l2.apply(h, n);
    }
}
