package dev.dycoke4j.compress;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DyCoke: temporal token merging before the LLM ({@link Ttm}), then dynamic pruning of the KV cache while decoding
 * ({@link DynamicPruningOptions}). Options: {@code ttm_k}, {@code ttm_windows}, {@code ttm_order}, {@code ratio} and
 * DP's; the paper's defaults are K = 0.7, L = 3, P = 0.7.
 *
 * @param ttmK  TTM's merging ratio K, used when no ratio is set
 * @param ratio the retained ratio of visual tokens, or NaN for TTM's budget at K: at a ratio, TTM runs at the K whose
 *              kept count is the largest within {@link Budget#keep}(ratio, F·T) ({@link Ttm#forBudget}), so that
 *              DyCoke runs at the same budget as the baselines
 */
public record DyCokeMethod(double ttmK, Ttm.Windows ttmWindows, Ttm.Order ttmOrder, double ratio, DynamicPruningOptions dp)
        implements CompressionMethod {
    public static final MethodSpec SPEC = new MethodSpec("dycoke", keys(), DyCokeMethod::parse);

    public DyCokeMethod {
        TokenBudget.checkTtmK(ttmK);
        java.util.Objects.requireNonNull(ttmWindows, "ttmWindows");
        java.util.Objects.requireNonNull(ttmOrder, "ttmOrder");
        if (!Double.isNaN(ratio)) TokenBudget.checkRatio(ratio);
        java.util.Objects.requireNonNull(dp, "dp");
    }

    private static List<String> keys() {
        List<String> k = new ArrayList<>(List.of("ttm_k", "ttm_windows", "ttm_order", "ratio"));
        k.addAll(DynamicPruningOptions.KEYS);
        return k;
    }

    /** The paper's settings: K = 0.7 with the official windows and order, and DP's {@link DynamicPruningOptions#defaults}. */
    public static DyCokeMethod defaults() {
        return new DyCokeMethod(TokenBudget.PAPER_TTM_K, Ttm.Windows.OFFICIAL, Ttm.Order.OFFICIAL, Double.NaN, DynamicPruningOptions.defaults());
    }

    static DyCokeMethod parse(Map<String, String> options) {
        OptionReader r = SPEC.reader(options);
        double k = r.decimal("ttm_k", TokenBudget.PAPER_TTM_K);
        Ttm.Windows windows = r.choice("ttm_windows", Ttm.Windows.class, Ttm.Windows.OFFICIAL);
        Ttm.Order order = r.choice("ttm_order", Ttm.Order.class, Ttm.Order.OFFICIAL);
        TokenBudget.checkTtmK(k);
        DynamicPruningOptions dp = DynamicPruningOptions.read(r);
        double ratio = r.decimal("ratio", Double.NaN);
        if (r.has("ratio")) TokenBudget.checkRatio(ratio); // NaN is "no ratio" only when the key is absent
        return new DyCokeMethod(k, windows, order, ratio, dp);
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
        m.put("ttm_k", Double.toString(ttmK));
        m.put("ttm_windows", OptionReader.text(ttmWindows));
        m.put("ttm_order", OptionReader.text(ttmOrder));
        if (!Double.isNaN(ratio)) m.put("ratio", Double.toString(ratio));
        dp.write(m);
        return m;
    }

    @Override
    public TokenBudget budget() {
        return Double.isNaN(ratio) ? TokenBudget.matchTtm(ttmK, ttmWindows) : TokenBudget.ratio(ratio);
    }

    /** TTM for {@code frames} frames of {@code tokensPerFrame}: at K, or at the K that fits the ratio's budget. */
    public Ttm ttmFor(int frames, int tokensPerFrame) {
        if (Double.isNaN(ratio)) return new Ttm(ttmK, ttmWindows, ttmOrder);
        return Ttm.forBudget(Budget.keep(ratio, frames * tokensPerFrame), frames, tokensPerFrame, ttmWindows, ttmOrder);
    }

    @Override
    public Compressor preLlm() {
        return pooled -> ttmFor(pooled.frames(), pooled.tokensPerFrame()).compress(pooled);
    }

    @Override
    public boolean hasDecodeHook() {
        return dp.enabled();
    }

    @Override
    public DecodePruning decode(RequestShape request) {
        return dp.hook(request);
    }

    /** The same settings at retained ratio {@code r} (NaN: TTM's budget at K). */
    public DyCokeMethod withRatio(double r) {
        return new DyCokeMethod(ttmK, ttmWindows, ttmOrder, r, dp);
    }

    public DyCokeMethod withTtm(double k, Ttm.Windows windows, Ttm.Order order) {
        return new DyCokeMethod(k, windows, order, ratio, dp);
    }

    public DyCokeMethod withDp(DynamicPruningOptions d) {
        return new DyCokeMethod(ttmK, ttmWindows, ttmOrder, ratio, d);
    }

    /** The same settings with DP at layer {@code l}. */
    public DyCokeMethod withDpLayer(int l) {
        return withDp(dp.withLayer(l));
    }
}
