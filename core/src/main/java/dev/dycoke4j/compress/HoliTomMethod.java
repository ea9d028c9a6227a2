package dev.dycoke4j.compress;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * HoliTom: its outer-LLM part before the LLM ({@link HoliTom}) and its merge inside the LLM at layer K
 * ({@link HoliTomMerge}). Options, with the defaults of the paper's scripts ({@code scripts/eval_ov-7b_holitom.sh}):
 * <ul>
 *   <li>{@code ratio} r (0.1): the retained ratio, rescaled after static pruning, so that where static pruning alone
 *   drops more, fewer tokens than {@code r·n} remain;</li>
 *   <li>{@code holitom_tau} τ: the cosine to the previous frame above which a position is static; 0.65 when r ≤ 0.1,
 *   else 0.8, as the scripts set it;</li>
 *   <li>{@code holitom_beta} β (0.6): the centre's weight in a merge; {@code holitom_d} (0): the share of each
 *   frame's dynamic budget merged instead of selected by attention; {@code holitom_knn} (7): neighbours in the
 *   density; {@code holitom_max_window} (1024): the longest static window, in frames;</li>
 *   <li>{@code holitom_k} K (18): the layer from which the merged rows are gone; {@code holitom_r} (0.5): the share of
 *   the video's rows merged there, 0 for none (the paper's "w/o M").</li>
 * </ul>
 */
public record HoliTomMethod(double ratio, double tau, double beta, double d, int knn, int maxWindow, int layer, double merge)
        implements CompressionMethod {
    public static final MethodSpec SPEC = new MethodSpec("holitom", List.of("ratio", "holitom_tau", "holitom_beta", "holitom_d", "holitom_knn",
            "holitom_max_window", "holitom_k", "holitom_r"), HoliTomMethod::parse);
    public static final double PAPER_RATIO = 0.1, PAPER_BETA = 0.6, PAPER_D = 0, PAPER_MERGE = 0.5;
    public static final int PAPER_KNN = 7, PAPER_MAX_WINDOW = 1024, PAPER_LAYER = 18;

    public HoliTomMethod {
        TokenBudget.checkRatio(ratio);
        if (!(tau >= -1 && tau <= 1)) throw new InvalidOptionException("holitom_tau", "must be in [-1, 1], got " + tau);
        if (!(beta >= 0 && beta <= 1)) throw new InvalidOptionException("holitom_beta", "must be in [0, 1], got " + beta);
        if (!(d >= 0 && d < 1)) throw new InvalidOptionException("holitom_d", "must be in [0, 1), got " + d);
        if (knn < 1) throw new InvalidOptionException("holitom_knn", "must be at least 1, got " + knn);
        if (maxWindow < 1) throw new InvalidOptionException("holitom_max_window", "must be at least 1, got " + maxWindow);
        if (layer < 1) throw new InvalidOptionException("holitom_k", "must be at least 1, got " + layer);
        if (!(merge >= 0 && merge < 1)) throw new InvalidOptionException("holitom_r", "must be in [0, 1), got " + merge);
    }

    /** The paper's τ at retained ratio r: 0.65 at 10 % and below, 0.8 above. */
    public static double paperTau(double ratio) {
        return ratio <= 0.1 ? 0.65 : 0.8;
    }

    /** At the paper's 10 %, with the merge at layer 18. */
    public static HoliTomMethod defaults() {
        return atRatio(PAPER_RATIO);
    }

    /** At retained ratio r, the other settings the paper's. */
    public static HoliTomMethod atRatio(double ratio) {
        return new HoliTomMethod(ratio, paperTau(ratio), PAPER_BETA, PAPER_D, PAPER_KNN, PAPER_MAX_WINDOW, PAPER_LAYER, PAPER_MERGE);
    }

    static HoliTomMethod parse(Map<String, String> options) {
        OptionReader r = SPEC.reader(options);
        double ratio = r.decimal("ratio", PAPER_RATIO);
        TokenBudget.checkRatio(ratio);
        return new HoliTomMethod(ratio, r.decimal("holitom_tau", paperTau(ratio)), r.decimal("holitom_beta", PAPER_BETA), r.decimal("holitom_d", PAPER_D),
                r.integer("holitom_knn", PAPER_KNN), r.integer("holitom_max_window", PAPER_MAX_WINDOW), r.integer("holitom_k", PAPER_LAYER),
                r.decimal("holitom_r", PAPER_MERGE));
    }

    @Override
    public boolean merges() {
        return true;
    }

    @Override
    public String name() {
        return SPEC.name();
    }

    @Override
    public Map<String, String> options() {
        Map<String, String> m = new LinkedHashMap<>();
        budget().write(m);
        m.put("holitom_tau", Double.toString(tau));
        m.put("holitom_beta", Double.toString(beta));
        m.put("holitom_d", Double.toString(d));
        m.put("holitom_knn", Integer.toString(knn));
        m.put("holitom_max_window", Integer.toString(maxWindow));
        m.put("holitom_k", Integer.toString(layer));
        m.put("holitom_r", Double.toString(merge));
        return m;
    }

    @Override
    public TokenBudget budget() {
        return TokenBudget.ratio(ratio);
    }

    /** The outer-LLM part ranks dynamic tokens by the attention they receive in the vision tower. */
    @Override
    public boolean needsVisionAttention() {
        return true;
    }

    @Override
    public Compressor preLlm() {
        return new HoliTom(ratio, tau, beta, d, knn, maxWindow);
    }

    /** Its merge drops rows from the KV cache of the layers from K on (unless {@code holitom_r} is 0). */
    @Override
    public boolean prunesAtPrefill() {
        return merge > 0;
    }

    /** The merge at layer K over the video's rows and its newline, or null when {@code holitom_r} is 0. */
    @Override
    public PrefillPruning prefill(RequestShape request) {
        if (merge == 0) return null;
        return new HoliTomMerge(request.checkLayer("holitom_k", layer), request.start(), request.visual() + 1, merge);
    }
}
