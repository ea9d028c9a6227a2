package dev.dycoke4j.compress;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Frame subsampling ({@link FrameSubsampling}): whole frames at a uniform stride, the baseline every method should
 * beat. Options: the {@link TokenBudget}'s (DyCoke's budget by default), rounded to whole frames.
 */
public record FramesMethod(TokenBudget budget) implements CompressionMethod {
    public static final MethodSpec SPEC = new MethodSpec("frames", List.of("ratio", "ttm_k", "ttm_windows"), FramesMethod::parse);

    public FramesMethod {
        java.util.Objects.requireNonNull(budget, "budget");
    }

    /** At DyCoke's budget. */
    public static FramesMethod defaults() {
        return new FramesMethod(TokenBudget.matchTtm());
    }

    static FramesMethod parse(Map<String, String> options) {
        return new FramesMethod(TokenBudget.read(SPEC.reader(options)));
    }

    @Override
    public String name() {
        return SPEC.name();
    }

    @Override
    public Map<String, String> options() {
        Map<String, String> m = new LinkedHashMap<>();
        budget.write(m);
        return m;
    }

    @Override
    public Compressor preLlm() {
        return pooled -> new FrameSubsampling(budget.ratioFor(pooled.frames(), pooled.tokensPerFrame())).compress(pooled);
    }
}
