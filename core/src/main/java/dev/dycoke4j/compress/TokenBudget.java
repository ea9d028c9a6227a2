package dev.dycoke4j.compress;

import java.util.List;
import java.util.Map;

/**
 * How many visual tokens a method keeps: a retained {@link Ratio}, or as many as DyCoke's TTM would keep at its K
 * ({@link MatchTtm}), so that methods compare at the same budget. Options text: {@code ratio}, which when present sets
 * the budget; otherwise {@code ttm_k} and {@code ttm_windows} (the paper's K = 0.7 and official windows by default).
 */
public sealed interface TokenBudget {
    /** The option keys {@link #read} takes, in the order {@link #write} gives them. */
    List<String> KEYS = List.of("ratio", "ttm_k", "ttm_windows");

    /** The retained ratio for {@code frames} frames of {@code tokensPerFrame} pooled tokens. */
    double ratioFor(int frames, int tokensPerFrame);

    /** The options text of this budget, into {@code out}. */
    void write(Map<String, String> out);

    /** Keeps {@code round(ratio·n)} of n tokens ({@link Budget#keep}). */
    record Ratio(double ratio) implements TokenBudget {
        public Ratio {
            checkRatio(ratio);
        }

        @Override
        public double ratioFor(int frames, int tokensPerFrame) {
            return ratio;
        }

        @Override
        public void write(Map<String, String> out) {
            out.put("ratio", Double.toString(ratio));
        }
    }

    /** Keeps as many tokens as TTM at merging ratio {@code k} with {@code windows} keeps ({@link Ttm#keptCount}). */
    record MatchTtm(double k, Ttm.Windows windows) implements TokenBudget {
        public MatchTtm {
            checkTtmK(k);
            java.util.Objects.requireNonNull(windows, "windows");
        }

        @Override
        public double ratioFor(int frames, int tokensPerFrame) {
            return (double) new Ttm(k, windows, Ttm.Order.OFFICIAL).keptCount(frames, tokensPerFrame) / ((long) frames * tokensPerFrame);
        }

        @Override
        public void write(Map<String, String> out) {
            out.put("ttm_k", Double.toString(k));
            out.put("ttm_windows", OptionReader.text(windows));
        }
    }

    /** The paper's K (0.7). */
    double PAPER_TTM_K = 0.7;

    static TokenBudget ratio(double ratio) {
        return new Ratio(ratio);
    }

    static TokenBudget matchTtm(double k, Ttm.Windows windows) {
        return new MatchTtm(k, windows);
    }

    /** As many tokens as TTM keeps at the paper's K with the official windows. */
    static TokenBudget matchTtm() {
        return new MatchTtm(PAPER_TTM_K, Ttm.Windows.OFFICIAL);
    }

    /**
     * The budget {@code r} gives: {@code ratio}, or else TTM's at {@code ttm_k} and {@code ttm_windows} (checked either
     * way, as a bad value is a mistake even where the ratio overrides it).
     */
    static TokenBudget read(OptionReader r) {
        double k = r.decimal("ttm_k", PAPER_TTM_K);
        Ttm.Windows windows = r.choice("ttm_windows", Ttm.Windows.class, Ttm.Windows.OFFICIAL);
        checkTtmK(k);
        return r.has("ratio") ? new Ratio(r.decimal("ratio", Double.NaN)) : new MatchTtm(k, windows);
    }

    /** Throws unless 0 &lt; ratio ≤ 1. */
    static void checkRatio(double ratio) {
        if (!(ratio > 0 && ratio <= 1)) throw new InvalidOptionException("ratio", "must be in (0, 1], got " + ratio);
    }

    /** Throws unless 0 ≤ k &lt; 1. */
    static void checkTtmK(double k) {
        if (!(k >= 0 && k < 1)) throw new InvalidOptionException("ttm_k", "must be in [0, 1), got " + k);
    }
}
