package dev.dycoke4j.compress;

import java.util.List;
import java.util.Map;

/** A uniform stride over the video's tokens ({@link UniformPruning}). Options: the {@link TokenBudget}'s. */
public record UniformMethod(TokenBudget budget) implements BudgetedMethod {
    public static final MethodSpec SPEC = new MethodSpec("uniform", TokenBudget.KEYS, UniformMethod::parse);

    public UniformMethod {
        java.util.Objects.requireNonNull(budget, "budget");
    }

    /** At DyCoke's budget. */
    public static UniformMethod defaults() {
        return new UniformMethod(TokenBudget.matchTtm());
    }

    static UniformMethod parse(Map<String, String> options) {
        return new UniformMethod(TokenBudget.read(SPEC.reader(options)));
    }

    @Override
    public String name() {
        return SPEC.name();
    }

    @Override
    public Compressor atRatio(double ratio) {
        return new UniformPruning(ratio);
    }
}
