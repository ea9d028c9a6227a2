package dev.dycoke4j.compress;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A seeded random subset of the video's tokens ({@link RandomPruning}). Options: {@code compress_seed} (0 by default)
 * and the {@link TokenBudget}'s.
 */
public record RandomMethod(TokenBudget budget, long seed) implements CompressionMethod {
    public static final MethodSpec SPEC = new MethodSpec("random", List.of("ratio", "ttm_k", "ttm_windows", "compress_seed"), RandomMethod::parse);

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
        Map<String, String> m = new LinkedHashMap<>();
        budget.write(m);
        m.put("compress_seed", Long.toString(seed));
        return m;
    }

    @Override
    public Compressor preLlm() {
        return pooled -> new RandomPruning(budget.ratioFor(pooled.frames(), pooled.tokensPerFrame()), seed).compress(pooled);
    }
}
