package dev.dycoke4j.compress;

import java.util.Locale;

/**
 * What a retained ratio fixes, so that methods can be compared at equal cost in each sense (option {@code budget}).
 * Each is measured over the video's positions of the prompt, relative to no compression on the same video: papers that
 * disagree about a method at "25%" usually count different ones of these.
 */
public enum BudgetKind {
    /** Visual tokens entering the LLM (the default, and what the methods' own ratios mean). */
    TOKENS("visual tokens entering the LLM"),
    /** Visual tokens attended per decode step at the pruned layers (where DyCoke's DP counts: its selection). */
    ATTENDED("visual tokens attended per decode step"),
    /** LLM prefill FLOPs of the video's positions, by the FastV/DyCoke papers' formula. */
    FLOPS("prefill FLOPs of the video's positions"),
    /** KV-cache bytes of the video's positions after its first decode step (float rows and compact rows). */
    KV("KV-cache bytes of the video's positions");

    private final String meaning;

    BudgetKind(String meaning) {
        this.meaning = meaning;
    }

    /** What the kind measures, for messages. */
    public String meaning() {
        return meaning;
    }

    /**
     * The cost of {@code method} in this sense on a video of {@code pooled} tokens (with its frame signals, or null) on
     * a model of {@code cost}, relative to no compression on the same video: what a budget of this kind compares with
     * its target. {@code method} runs as given (resolve an {@link AtBudget} first).
     */
    public double relative(CompressionMethod method, VisualTokens pooled, FastVid.FrameSignals signals, ModelCost cost) {
        return BudgetMeasure.of(this, method, pooled, signals, cost) / BudgetMeasure.of(this, new NoneMethod(), pooled, signals, cost);
    }

    /** How the kind is spelled in options. */
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }
}
