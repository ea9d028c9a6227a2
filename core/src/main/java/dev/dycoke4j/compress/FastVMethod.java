package dev.dycoke4j.compress;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FastV: nothing before the LLM; in the prefill, the visual tokens the last prompt token attends to least at layer
 * K-1 are dropped for layers K and above ({@link FastV}). Options: {@code fastv_k} (2 by default) and the
 * {@link TokenBudget}'s.
 *
 * @param layer K, the first layer that sees only the kept tokens, as the official code's {@code K} (its
 *              {@code fast_v_agg_layer}): layers 0 to K-1 see every token (checked against the model per request)
 */
public record FastVMethod(int layer, TokenBudget budget) implements CompressionMethod {
    public static final MethodSpec SPEC = new MethodSpec("fastv", List.of("fastv_k", "ratio", "ttm_k", "ttm_windows"), FastVMethod::parse);
    /** FastV's paper's K. */
    public static final int PAPER_LAYER = 2;

    public FastVMethod {
        if (layer < 1) throw new InvalidOptionException("fastv_k", "must be at least 1, got " + layer);
        java.util.Objects.requireNonNull(budget, "budget");
    }

    /** K = 2, at DyCoke's budget. */
    public static FastVMethod defaults() {
        return new FastVMethod(PAPER_LAYER, TokenBudget.matchTtm());
    }

    static FastVMethod parse(Map<String, String> options) {
        OptionReader r = SPEC.reader(options);
        int layer = r.integer("fastv_k", PAPER_LAYER);
        return new FastVMethod(layer, TokenBudget.read(r));
    }

    /** FastV at layer {@code k}. */
    public FastVMethod withLayer(int k) {
        return new FastVMethod(k, budget);
    }

    @Override
    public String name() {
        return SPEC.name();
    }

    @Override
    public Map<String, String> options() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("fastv_k", Integer.toString(layer));
        budget.write(m);
        return m;
    }

    @Override
    public boolean prunesAtPrefill() {
        return true;
    }

    @Override
    public Compressor preLlm() {
        return Compressor.NONE;
    }

    /**
     * Keeps {@code round(ratio · visual)} visual rows from layer K on. K runs from 1 to layers - 1, as for every
     * method's layer ({@link RequestShape#checkLayer}): K = layers - 1 prunes the last layer only; a larger K would
     * prune no layer (the official code then silently runs unpruned), which would report a budget never spent.
     */
    @Override
    public PrefillPruning prefill(RequestShape request) {
        int keep = (int) Math.round(budget.ratioFor(request.frames(), request.tokensPerFrame()) * request.visual());
        return new FastV(request.checkLayer("fastv_k", layer) - 1, request.start(), request.visual(), keep);
    }
}
