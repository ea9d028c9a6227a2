package dev.dycoke4j.compress;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A uniform stride over the video's tokens ({@link UniformPruning}). Options: the {@link TokenBudget}'s. */
public record UniformMethod(TokenBudget budget) implements CompressionMethod {
    public static final MethodSpec SPEC = new MethodSpec("uniform", List.of("ratio", "ttm_k", "ttm_windows"), UniformMethod::parse);

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
    public Map<String, String> options() {
        Map<String, String> m = new LinkedHashMap<>();
        budget.write(m);
        return m;
    }

    @Override
    public Compressor preLlm() {
        return pooled -> new UniformPruning(budget.ratioFor(pooled.frames(), pooled.tokensPerFrame())).compress(pooled);
    }
}
