package dev.dycoke4j.compress;


import java.util.Arrays;

/**
 * FastV (Chen et al., ECCV 2024) in the prefill: after the ranking layer (K-1 for FastV's K), the visual tokens are
 * ranked by the attention the last prompt token pays them there (averaged over heads); only the top {@code keep} stay
 * for the layers above, where the others are neither computed nor cached. Text tokens and the newline token always
 * stay. Layers up to the ranking layer keep everything.
 */
public final class FastV implements PrefillPruning {
    private final int layer, start, visual, keep;

    /**
     * @param layer  the layer whose attention ranks the tokens (the layers above are pruned)
     * @param start  first visual row of the prompt
     * @param visual visual rows (without the newline)
     * @param keep   visual rows kept above the ranking layer
     */
    public FastV(int layer, int start, int visual, int keep) {
        if (keep < 0 || keep > visual) throw new IllegalArgumentException("FastV keeps " + keep + " of " + visual + " visual tokens");
        this.layer = layer;
        this.start = start;
        this.visual = visual;
        this.keep = keep;
    }

    @Override
    public int layer() {
        return layer;
    }

    @Override
    public int kept() {
        return keep;
    }

    @Override
    public int[] keep(float[] probs, int rows) {
        float[] span = Arrays.copyOfRange(probs, start, start + visual);
        int[] top = DynamicPruning.topK(span, keep);
        int[] out = new int[rows - visual + keep];
        int n = 0;
        for (int r = 0; r < start; r++) out[n++] = r;
        for (int t : top) out[n++] = start + t;
        for (int r = start + visual; r < rows; r++) out[n++] = r;
        return out;
    }
}
