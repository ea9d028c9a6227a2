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
        return project(x, n, new float[n * l1.out()], new float[n * l2.out()]);
    }

    /**
     * As above, into {@code out} (returned), with {@code h} for the hidden rows (each at least {@code n·dt} floats): a
     * caller that projects frame after frame reuses both, where two fresh arrays a frame (2.5 MB each at 729 patches)
     * would be garbage that only a full collection of the heap frees.
     */
    public float[] project(float[] x, int n, float[] h, float[] out) {
        l1.apply(x, n, h);
        Activations.geluErf(h, n * l1.out());
        l2.apply(h, n, out);
        return out;
    }
}
