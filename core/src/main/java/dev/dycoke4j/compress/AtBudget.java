package dev.dycoke4j.compress;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A method whose {@code ratio} fixes a budget other than the tokens entering the LLM ({@link BudgetKind}): on each
 * video it runs at the largest ratio of its own whose cost, relative to no compression, is within {@code target}
 * ({@link #resolve}). The cost depends on the video's token grid and the model, so nothing runs before that.
 *
 * @param spec    the method's spec (without the budget option), which rebuilds it at another ratio
 * @param options its options, {@code ratio} included (the target)
 */
public record AtBudget(MethodSpec spec, Map<String, String> options, BudgetKind kind, double target) implements ForwardingMethod {
    public AtBudget {
        java.util.Objects.requireNonNull(spec, "spec");
        options = Map.copyOf(new LinkedHashMap<>(options));
        java.util.Objects.requireNonNull(kind, "kind");
        TokenBudget.checkRatio(target);
    }

    /** The method at its own options (the target as its ratio). */
    @Override
    public CompressionMethod base() {
        return spec.parse(options);
    }

    @Override
    public Map<String, String> options() {
        Map<String, String> m = new LinkedHashMap<>(base().options());
        m.put("budget", kind.text());
        return m;
    }

    /** Runs only once resolved: the ratio that meets the budget depends on the video and the model. */
    @Override
    public Compressor preLlm() {
        throw new IllegalStateException("a " + kind.text() + " budget is resolved on a video and a model first (CompressionMethod.resolve)");
    }

    /**
     * The method at the largest ratio k/n of its own (n pooled tokens) whose cost is at most {@code target} times no
     * compression's, searched by bisection as the cost grows with k.
     *
     * @throws InvalidOptionException (key {@code ratio}) when the target is outside the range the method reaches, naming it
     */
    @Override
    public CompressionMethod resolve(VisualTokens pooled, FastVid.FrameSignals signals, ModelCost cost) {
        int n = pooled.count();
        Reach reach = reach(pooled, signals, cost);
        double goal = target * (1 + 1e-9);
        if (goal < reach.least() || target > reach.most() * (1 + 1e-9))
            throw new InvalidOptionException("ratio", String.format(Locale.ROOT,
                    "%s reaches %.4g to %.4g of the %s without compression on this video (budget %s); got %s",
                    label(), reach.least(), reach.most(), kind.meaning(), kind.text(), target));
        int lo = reach.fewest(), hi = reach.largest(); // the largest k within the budget lies in [lo, hi]
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (kind.relative(at(mid, n), pooled, signals, cost) <= goal) lo = mid;
            else hi = mid - 1;
        }
        return at(lo, n);
    }

    /**
     * The budgets of this kind the method reaches on a video, relative to no compression: from {@code least}, at the
     * fewest tokens {@code fewest} it runs with, to {@code most}, at the most tokens {@code most} it runs with (every
     * token, unless the method caps its ratio: FlashVID's vision side keeps 1.25 times its ratio, so at most 0.8).
     */
    public record Reach(double least, double most, int fewest, int largest) {
    }

    /**
     * What the method reaches on a video of {@code pooled} tokens (with its frame signals, or null) on a model of
     * {@code cost}, whatever the target.
     *
     * @throws InvalidOptionException (key {@code ratio}) when no ratio of the method runs on the video
     */
    public Reach reach(VisualTokens pooled, FastVid.FrameSignals signals, ModelCost cost) {
        int n = pooled.count();
        int some = someRunnable(n, pooled, signals);
        if (some < 0) throw new InvalidOptionException("ratio", "no ratio of " + name() + " runs on this video");
        int lo = smallestRunnable(some, n, pooled, signals), hi = largestRunnable(some, n, pooled, signals);
        return new Reach(kind.relative(at(lo, n), pooled, signals, cost), kind.relative(at(hi, n), pooled, signals, cost), lo, hi);
    }

    /** A token count k for which the method runs at ratio k/n: n, else n halved until one runs, or -1. */
    private int someRunnable(int n, VisualTokens pooled, FastVid.FrameSignals signals) {
        for (int k = n; k >= 1; k /= 2) if (runs(k, n, pooled, signals)) return k;
        return -1;
    }

    /** The fewest tokens k ≤ {@code some} for which the method runs (DyCoke's TTM keeps its reference frames whole). */
    private int smallestRunnable(int some, int n, VisualTokens pooled, FastVid.FrameSignals signals) {
        int lo = 1, hi = some;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (runs(mid, n, pooled, signals)) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }

    /** The most tokens k ≥ {@code some} for which the method runs (FlashVID caps its ratio). */
    private int largestRunnable(int some, int n, VisualTokens pooled, FastVid.FrameSignals signals) {
        int lo = some, hi = n;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (runs(mid, n, pooled, signals)) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    private boolean runs(int k, int n, VisualTokens pooled, FastVid.FrameSignals signals) {
        try {
            BudgetMeasure.kept(at(k, n), pooled, signals);
            return true;
        } catch (InvalidOptionException e) {
            return false;
        }
    }

    /** The method at ratio k/n, which keeps exactly k of n tokens where it keeps {@code round(ratio·n)}. */
    private CompressionMethod at(int k, int n) {
        Map<String, String> o = new LinkedHashMap<>(options);
        o.put("ratio", Double.toString((double) k / n));
        return spec.parse(o);
    }
}
