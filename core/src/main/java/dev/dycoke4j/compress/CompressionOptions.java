package dev.dycoke4j.compress;

import dev.dycoke4j.llm.KvCache;

/**
 * A compression method and its settings. Defaults are the DyCoke paper's: K=0.7, L=3, P=0.7. Baselines take a
 * target retained ratio; when it is unset they keep as many tokens as TTM at K would, so that methods compare at the
 * same budget.
 *
 * @param ratio       retained ratio of visual tokens (for DyCoke it sets TTM's K, see {@link #ttmFor}), or NaN for
 *                    DyCoke's TTM budget at K
 * @param fastvLayer  FastV's K: the layer whose last-token attention ranks the visual tokens
 * @param dpEnabled   whether DyCoke's dynamic pruning runs while decoding (TTM alone when false)
 * @param dpStore     where DP's pruned entries live: the full float cache (official) or a compact store
 * @param dpStoreType the compact store's encoding (int8 with a scale per row, or bf16)
 */
public record CompressionOptions(Method method, double ttmK, Ttm.Windows ttmWindows, Ttm.Order ttmOrder,
                                 boolean dpEnabled, int dpLayer, double dpP, DynamicPruning.Mode dpMode,
                                 DynamicPruning.Store dpStore, KvCache.CompactType dpStoreType,
                                 double ratio, int fastvLayer, long seed) {
    public CompressionOptions {
        java.util.Objects.requireNonNull(dpStore, "dpStore");
        java.util.Objects.requireNonNull(dpStoreType, "dpStoreType");
        if (!(ttmK >= 0 && ttmK < 1)) throw new IllegalArgumentException("--ttm-k must be in [0, 1), got " + ttmK);
        if (dpLayer < 1) throw new IllegalArgumentException("--dp-l must be at least 1, got " + dpLayer);
        if (!(dpP >= 0 && dpP < 1)) throw new IllegalArgumentException("--dp-p must be in [0, 1), got " + dpP);
        if (!Double.isNaN(ratio) && !(ratio > 0 && ratio <= 1)) throw new IllegalArgumentException("--ratio must be in (0, 1], got " + ratio);
        if (fastvLayer < 1) throw new IllegalArgumentException("--fastv-k must be at least 1, got " + fastvLayer);
    }

    /** The full store (pruned entries stay in the float cache), as before the store setting existed. */
    public CompressionOptions(Method method, double ttmK, Ttm.Windows ttmWindows, Ttm.Order ttmOrder, boolean dpEnabled,
                              int dpLayer, double dpP, DynamicPruning.Mode dpMode, double ratio, int fastvLayer, long seed) {
        this(method, ttmK, ttmWindows, ttmOrder, dpEnabled, dpLayer, dpP, dpMode, DynamicPruning.Store.FULL,
                KvCache.CompactType.INT8, ratio, fastvLayer, seed);
    }

    public static CompressionOptions none() {
        return of(Method.NONE);
    }

    /** The method with the paper's defaults. */
    public static CompressionOptions of(Method m) {
        return new CompressionOptions(m, 0.7, Ttm.Windows.OFFICIAL, Ttm.Order.OFFICIAL, true, 3, 0.7,
                DynamicPruning.Mode.OFFICIAL, DynamicPruning.Store.FULL, KvCache.CompactType.INT8, Double.NaN, 2, 0);
    }

    /** The same settings for another method. */
    public CompressionOptions withMethod(Method m) {
        return new CompressionOptions(m, ttmK, ttmWindows, ttmOrder, dpEnabled, dpLayer, dpP, dpMode, dpStore, dpStoreType, ratio, fastvLayer, seed);
    }

    /** The same settings with DP at layer {@code l}. */
    public CompressionOptions withDpLayer(int l) {
        return new CompressionOptions(method, ttmK, ttmWindows, ttmOrder, dpEnabled, l, dpP, dpMode, dpStore, dpStoreType, ratio, fastvLayer, seed);
    }

    /** The same settings with DP's pruned entries in the given store. */
    public CompressionOptions withDpStore(DynamicPruning.Store store, KvCache.CompactType type) {
        return new CompressionOptions(method, ttmK, ttmWindows, ttmOrder, dpEnabled, dpLayer, dpP, dpMode, store, type, ratio, fastvLayer, seed);
    }

    public Ttm ttm() {
        return new Ttm(ttmK, ttmWindows, ttmOrder);
    }

    /**
     * DyCoke's TTM for {@code frames} frames: at K, or, when a retained ratio is set, at the K whose kept count is the
     * largest within {@link Budget#keep}(ratio, F·T) ({@link Ttm#forBudget}), so that DyCoke runs at the same budget as
     * the baselines.
     */
    public Ttm ttmFor(int frames, int tokensPerFrame) {
        if (Double.isNaN(ratio)) return ttm();
        return Ttm.forBudget(Budget.keep(ratio, frames * tokensPerFrame), frames, tokensPerFrame, ttmWindows, ttmOrder);
    }

    /** The same settings at retained ratio {@code r} (NaN: DyCoke's TTM budget at K). */
    public CompressionOptions withRatio(double r) {
        return new CompressionOptions(method, ttmK, ttmWindows, ttmOrder, dpEnabled, dpLayer, dpP, dpMode, dpStore, dpStoreType, r, fastvLayer, seed);
    }

    /** The retained ratio for a baseline on {@code frames} frames: the given one, or TTM's at K. */
    public double ratioFor(int frames, int tokensPerFrame) {
        if (!Double.isNaN(ratio)) return ratio;
        return (double) ttm().keptCount(frames, tokensPerFrame) / ((long) frames * tokensPerFrame);
    }
}
