package dev.dycoke4j.compress;

import java.util.Random;

/**
 * Baseline: keeps a uniformly random subset of {@link Budget#keep}(ratio, n) of the n tokens, over the whole video,
 * in their original order. Seeded: the same seed and token count always keep the same rows ({@link Random}'s
 * generator is fully specified, so this holds across JDKs). The subset is drawn by selection sampling (Knuth's
 * Algorithm S), which visits the rows in order and keeps each with probability (still needed)/(still left).
 * Features, source indices and saliency are carried along unchanged.
 */
public final class RandomPruning implements Compressor {
    private final double ratio;
    private final long seed;

    public RandomPruning(double ratio, long seed) {
        Budget.checkRatio("random pruning", ratio);
        this.ratio = ratio;
        this.seed = seed;
    }

    @Override
    public VisualTokens compress(VisualTokens in) {
        int n = in.count(), k = Budget.keep(ratio, n);
        Random rnd = new Random(seed);
        int[] rows = new int[k];
        int chosen = 0;
        for (int i = 0; i < n && chosen < k; i++) {
            if (rnd.nextInt(n - i) < k - chosen) rows[chosen++] = i;
        }
        return in.select(rows);
    }
}
