package dev.dycoke4j.cli;

import dev.dycoke4j.compress.CompressionOptions;
import dev.dycoke4j.compress.DynamicPruning;
import dev.dycoke4j.compress.Method;
import dev.dycoke4j.compress.Ttm;
import dev.dycoke4j.llm.KvCache;
import picocli.CommandLine.Option;

import java.util.Locale;

/** {@code --compress} and each method's options, shared by run, trace and bench. */
final class CompressOptions {
    @Option(names = "--compress", paramLabel = "METHOD", defaultValue = "none",
            description = "none, dycoke, fastv, prumerge, visionzip, random or uniform (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--ttm-k", paramLabel = "K", defaultValue = "0.7", description = "DyCoke TTM merging ratio (default: ${DEFAULT-VALUE}).")
    double ttmK;

    @Option(names = "--ttm-windows", paramLabel = "official|full", defaultValue = "official",
            description = "official: the code's boundary behaviour (last window skips the i+2 step, an odd last frame is dropped); full: every window.")
    String ttmWindows;

    @Option(names = "--ttm-order", paramLabel = "official|raster", defaultValue = "official",
            description = "official: kept tokens in ascending similarity, as the code; raster: spatial order.")
    String ttmOrder;

    @Option(names = "--dp", paramLabel = "on|off", defaultValue = "on", description = "DyCoke dynamic KV pruning while decoding (default: ${DEFAULT-VALUE}).")
    String dp;

    @Option(names = "--dp-l", paramLabel = "L", defaultValue = "3", description = "DP layer: layers L and above are pruned (default: ${DEFAULT-VALUE}).")
    int dpLayer;

    @Option(names = "--dp-p", paramLabel = "P", defaultValue = "0.7", description = "DP pruning ratio (default: ${DEFAULT-VALUE}).")
    double dpP;

    @Option(names = "--dp-mode", paramLabel = "official|reuse|always", defaultValue = "official", description = "DP re-selection rule (default: ${DEFAULT-VALUE}).")
    String dpMode;

    @Option(names = "--dp-store", paramLabel = "full|compact", defaultValue = "full",
            description = "Where DP's pruned entries live: full keeps them in the float cache (official, no memory saved); compact moves them "
                    + "out of layers L and above into an int8 or bf16 store and recalls them when selected again (default: ${DEFAULT-VALUE}).")
    String dpStore;

    @Option(names = "--dp-store-dtype", paramLabel = "int8|bf16", defaultValue = "int8",
            description = "Encoding of the compact store: int8 with a scale per (token, kv head) row, or bf16 (default: ${DEFAULT-VALUE}).")
    String dpStoreType;

    @Option(names = "--ratio", paramLabel = "R", description = "Retained ratio of visual tokens, for every method (default: what DyCoke's TTM keeps at --ttm-k). For dycoke it picks the TTM K that keeps the most tokens within the budget.")
    Double ratio;

    @Option(names = "--fastv-k", paramLabel = "K", defaultValue = "2", description = "FastV's layer (default: ${DEFAULT-VALUE}).")
    int fastvLayer;

    @Option(names = "--compress-seed", paramLabel = "N", defaultValue = "0", description = "Seed of the random baseline (default: ${DEFAULT-VALUE}).")
    long seed;

    CompressionOptions options() {
        Method m = parse(Method.class, method, "--compress");
        Ttm.Windows w = parse(Ttm.Windows.class, ttmWindows, "--ttm-windows");
        Ttm.Order o = parse(Ttm.Order.class, ttmOrder, "--ttm-order");
        DynamicPruning.Mode mode = parse(DynamicPruning.Mode.class, dpMode, "--dp-mode");
        DynamicPruning.Store store = parse(DynamicPruning.Store.class, dpStore, "--dp-store");
        KvCache.CompactType type = parse(KvCache.CompactType.class, dpStoreType, "--dp-store-dtype");
        if (!dp.equals("on") && !dp.equals("off")) throw new UsageException("--dp must be on or off, got '" + dp + "'");
        try {
            return new CompressionOptions(m, ttmK, w, o, dp.equals("on"), dpLayer, dpP, mode, store, type,
                    ratio == null ? Double.NaN : ratio, fastvLayer, seed);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    static <E extends Enum<E>> E parse(Class<E> type, String value, String option) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            StringBuilder names = new StringBuilder();
            for (E c : type.getEnumConstants()) names.append(names.isEmpty() ? "" : ", ").append(c.name().toLowerCase(Locale.ROOT));
            throw new UsageException(option + " takes " + names + "; got '" + value + "'");
        }
    }
}
