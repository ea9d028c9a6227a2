package dev.dycoke4j.compress;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FastV: nothing before the LLM; at prefill layer K, the visual tokens the last prompt token attends to least are
 * dropped for the layers above ({@link FastV}). Options: {@code fastv_k} (2 by default) and the {@link TokenBudget}'s.
 *
 * @param layer K, the layer whose attention ranks the tokens (checked against the model per request)
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

    /** Keeps {@code round(ratio · visual)} visual rows above layer K. */
    @Override
    public PrefillPruning prefill(RequestShape request) {
        int keep = (int) Math.round(budget.ratioFor(request.frames(), request.tokensPerFrame()) * request.visual());
        return new FastV(request.checkLayer("fastv_k", layer), request.start(), request.visual(), keep);
    }
}
