package dev.dycoke4j.compress;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FastVID ({@link FastVid}) with its settings. Options: {@code ratio} R (the paper's 0.10), {@code dyseg_c} c (8),
 * {@code dyseg_tau} τ (0.9), {@code stprune_d} d (0.4), {@code dtm_p} p (4) and {@code dtm_beta} β (0.6). The ratio is
 * per frame and truncated: each frame keeps {@code int(T·R)} tokens. It needs each frame's signals from SigLIP's
 * attention-pooling head. The kept tokens enter the LLM at their original positions ({@link #keepsSourcePositions}).
 */
public record FastVidMethod(double ratio, int c, double tau, double d, int p, double beta) implements CompressionMethod {
    public static final MethodSpec SPEC = new MethodSpec("fastvid", List.of("ratio", "dyseg_c", "dyseg_tau", "stprune_d", "dtm_p", "dtm_beta"),
            FastVidMethod::parse);

    public FastVidMethod {
        TokenBudget.checkRatio(ratio);
        if (c < 1) throw new InvalidOptionException("dyseg_c", "must be at least 1, got " + c);
        if (!(tau >= -1 && tau <= 1)) throw new InvalidOptionException("dyseg_tau", "must be a cosine similarity in [-1, 1], got " + tau);
        if (!(d > 0 && d < 1)) throw new InvalidOptionException("stprune_d", "must be in (0, 1), got " + d + " (the anchors' share of each frame's tokens)");
        if (p < 1) throw new InvalidOptionException("dtm_p", "must be at least 1, got " + p);
        if (!(beta >= 0 && beta <= 1)) throw new InvalidOptionException("dtm_beta", "must be in [0, 1], got " + beta);
    }

    /** The paper's settings. */
    public static FastVidMethod defaults() {
        return of(FastVid.Params.paper(FastVid.PAPER_RATIO));
    }

    public static FastVidMethod of(FastVid.Params q) {
        return new FastVidMethod(q.ratio(), q.c(), q.tau(), q.d(), q.p(), q.beta());
    }

    static FastVidMethod parse(Map<String, String> options) {
        OptionReader r = SPEC.reader(options);
        return new FastVidMethod(r.decimal("ratio", FastVid.PAPER_RATIO), r.integer("dyseg_c", FastVid.PAPER_C), r.decimal("dyseg_tau", FastVid.PAPER_TAU),
                r.decimal("stprune_d", FastVid.PAPER_D), r.integer("dtm_p", FastVid.PAPER_P), r.decimal("dtm_beta", FastVid.PAPER_BETA));
    }

    public FastVid.Params params() {
        return new FastVid.Params(ratio, c, tau, d, p, beta);
    }

    @Override
    public String name() {
        return SPEC.name();
    }

    @Override
    public Map<String, String> options() {
        Map<String, String> m = new LinkedHashMap<>();
        budget().write(m);
        m.put("dyseg_c", Integer.toString(c));
        m.put("dyseg_tau", Double.toString(tau));
        m.put("stprune_d", Double.toString(d));
        m.put("dtm_p", Integer.toString(p));
        m.put("dtm_beta", Double.toString(beta));
        return m;
    }

    @Override
    public TokenBudget budget() {
        return TokenBudget.ratio(ratio);
    }

    /** The tokens of a segment that are not kept are merged into its anchors. */
    @Override
    public boolean merges() {
        return true;
    }

    /** As the official code, whose kept tokens keep their position ids (the gaps of the pruned ones stay). */
    @Override
    public boolean keepsSourcePositions() {
        return true;
    }

    @Override
    public boolean needsFrameSignals() {
        return true;
    }

    @Override
    public FrameSignalCompressor preLlm() {
        FastVid fv = new FastVid(params());
        return (pooled, signals) -> fv.run(pooled, signals, null).tokens();
    }
}
