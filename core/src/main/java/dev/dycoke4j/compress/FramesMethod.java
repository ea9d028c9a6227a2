package dev.dycoke4j.compress;

import java.util.List;
import java.util.Map;

/**
 * Frame subsampling ({@link FrameSubsampling}): whole frames at a uniform stride, the baseline every method should
 * beat. Options: the {@link TokenBudget}'s (DyCoke's budget by default), rounded to whole frames.
 */
public record FramesMethod(TokenBudget budget) implements BudgetedMethod {
    public static final MethodSpec SPEC = new MethodSpec("frames", TokenBudget.KEYS, FramesMethod::parse);

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
    public Compressor atRatio(double ratio) {
        return new FrameSubsampling(ratio);
    }
}
