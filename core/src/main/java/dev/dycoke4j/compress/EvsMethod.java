package dev.dycoke4j.compress;

import java.util.List;
import java.util.Map;

/**
 * vLLM's Efficient Video Sampling ({@link Evs}) at pruning rate {@code 1 - ratio}. Options: the {@link TokenBudget}'s
 * (DyCoke's budget by default). vLLM truncates its count, so it can keep one token fewer than {@code round(ratio·n)}.
 */
public record EvsMethod(TokenBudget budget) implements BudgetedMethod {
    public static final MethodSpec SPEC = new MethodSpec("evs", TokenBudget.KEYS, EvsMethod::parse);

    public EvsMethod {
        java.util.Objects.requireNonNull(budget, "budget");
    }

    /** At DyCoke's budget. */
    public static EvsMethod defaults() {
        return new EvsMethod(TokenBudget.matchTtm());
    }

    static EvsMethod parse(Map<String, String> options) {
        return new EvsMethod(TokenBudget.read(SPEC.reader(options)));
    }

    @Override
    public String name() {
        return SPEC.name();
    }

    @Override
    public Compressor atRatio(double ratio) {
        return Evs.retaining(ratio);
    }
}
