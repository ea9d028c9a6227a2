package dev.dycoke4j.compress;

/**
 * Baseline: keeps k = {@link Budget#keep}(ratio, n) of the n tokens at a uniform stride over the whole video, rows
 * {@code floor(i·n/k)} for i = 0..k-1, in order (so row 0 is always kept). Features, source indices and saliency are
 * carried along unchanged.
 */
public final class UniformPruning implements Compressor {
    private final double ratio;

    public UniformPruning(double ratio) {
        Budget.checkRatio("uniform pruning", ratio);
        this.ratio = ratio;
    }

    @Override
    public VisualTokens compress(VisualTokens in) {
        int n = in.count();
        return in.select(Budget.spread(n, Budget.keep(ratio, n)));
    }
}
