package dev.dycoke4j.compress;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A seeded random subset of the video's tokens ({@link RandomPruning}). Options: {@code compress_seed} (0 by default)
 * and the {@link TokenBudget}'s.
 */
public record RandomMethod(TokenBudget budget, long seed) implements BudgetedMethod {
    public static final MethodSpec SPEC = new MethodSpec("random", keys(), RandomMethod::parse);

    private static List<String> keys() {
        List<String> k = new ArrayList<>(TokenBudget.KEYS);
        k.add("compress_seed");
        return k;
    }

    public RandomMethod {
        java.util.Objects.requireNonNull(budget, "budget");
    }

    /** At DyCoke's budget, seed 0. */
    public static RandomMethod defaults() {
        return new RandomMethod(TokenBudget.matchTtm(), 0);
    }

    static RandomMethod parse(Map<String, String> options) {
        OptionReader r = SPEC.reader(options);
        return new RandomMethod(TokenBudget.read(r), r.longInteger("compress_seed", 0));
    }

    @Override
    public String name() {
        return SPEC.name();
    }

    @Override
    public Map<String, String> options() {
        Map<String, String> m = BudgetedMethod.super.options();
        m.put("compress_seed", Long.toString(seed));
        return m;
    }

    @Override
    public Compressor atRatio(double ratio) {
        return new RandomPruning(ratio, seed);
    }
}
