package dev.dycoke4j.compress;

import dev.dycoke4j.llm.KvCache;

import java.util.List;
import java.util.Map;

/**
 * DyCoke's dynamic pruning while decoding (DP), as settings: a component of its own, which builds the decode hook of
 * each request ({@link DynamicPruning}). Options text: {@code dp} (on|off), {@code dp_l}, {@code dp_p},
 * {@code dp_mode}, {@code dp_store} and {@code dp_store_dtype}; the paper's defaults are on, L = 3, P = 0.7.
 *
 * @param enabled   whether DP runs
 * @param layer     L: layers L and above are pruned, by layer L-1's attention (checked against the model per request)
 * @param p         the pruning ratio P in [0, 1)
 * @param store     where the pruned entries live: the full float cache (official) or a compact store
 * @param storeType the compact store's encoding (int8 with a scale per row, or bf16)
 */
public record DynamicPruningOptions(boolean enabled, int layer, double p, DynamicPruning.Mode mode, DynamicPruning.Store store,
                                    KvCache.CompactType storeType) {
    /** The option keys, in the order {@link #write} gives them. */
    public static final List<String> KEYS = List.of("dp", "dp_l", "dp_p", "dp_mode", "dp_store", "dp_store_dtype");

    public DynamicPruningOptions {
        java.util.Objects.requireNonNull(mode, "mode");
        java.util.Objects.requireNonNull(store, "store");
        java.util.Objects.requireNonNull(storeType, "storeType");
        if (layer < 1) throw new InvalidOptionException("dp_l", "must be at least 1, got " + layer);
        if (!(p >= 0 && p < 1)) throw new InvalidOptionException("dp_p", "must be in [0, 1), got " + p);
    }

    /** The paper's: on, L = 3, P = 0.7, the official re-selection rule and store. */
    public static DynamicPruningOptions defaults() {
        return new DynamicPruningOptions(true, 3, 0.7, DynamicPruning.Mode.OFFICIAL, DynamicPruning.Store.FULL, KvCache.CompactType.INT8);
    }

    /** DP off. */
    public static DynamicPruningOptions off() {
        return defaults().withEnabled(false);
    }

    /** The settings {@code r} gives, the paper's where it gives none. */
    public static DynamicPruningOptions read(OptionReader r) {
        return read(r, defaults());
    }

    /** The settings {@code r} gives, {@code d}'s where it gives none. */
    public static DynamicPruningOptions read(OptionReader r, DynamicPruningOptions d) {
        return new DynamicPruningOptions(r.onOff("dp", d.enabled), r.integer("dp_l", d.layer), r.decimal("dp_p", d.p),
                r.choice("dp_mode", DynamicPruning.Mode.class, d.mode), r.choice("dp_store", DynamicPruning.Store.class, d.store),
                r.choice("dp_store_dtype", KvCache.CompactType.class, d.storeType));
    }

    /** The options text, into {@code out}. */
    public void write(Map<String, String> out) {
        out.put("dp", OptionReader.text(enabled));
        out.put("dp_l", Integer.toString(layer));
        out.put("dp_p", Double.toString(p));
        out.put("dp_mode", OptionReader.text(mode));
        out.put("dp_store", OptionReader.text(store));
        out.put("dp_store_dtype", OptionReader.text(storeType));
    }

    /** The decode hook of a request, or null when DP is off. */
    public DecodePruning hook(RequestShape request) {
        if (!enabled) return null;
        return new DynamicPruning(mode, request.checkLayer("dp_l", layer), p, request.start(), request.visual(), request.newTokens(),
                store == DynamicPruning.Store.COMPACT ? storeType : null);
    }

    public DynamicPruningOptions withEnabled(boolean on) {
        return new DynamicPruningOptions(on, layer, p, mode, store, storeType);
    }

    /** DP at layer {@code l}. */
    public DynamicPruningOptions withLayer(int l) {
        return new DynamicPruningOptions(enabled, l, p, mode, store, storeType);
    }

    public DynamicPruningOptions withP(double pruning) {
        return new DynamicPruningOptions(enabled, layer, pruning, mode, store, storeType);
    }

    public DynamicPruningOptions withMode(DynamicPruning.Mode m) {
        return new DynamicPruningOptions(enabled, layer, p, m, store, storeType);
    }

    /** Pruned entries in {@code where}, encoded as {@code type} when compact. */
    public DynamicPruningOptions withStore(DynamicPruning.Store where, KvCache.CompactType type) {
        return new DynamicPruningOptions(enabled, layer, p, mode, where, type);
    }
}
