package dev.dycoke4j.compress;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** LLaVA-PruMerge+, adapted to SigLIP: attention-outlier tokens plus spatial samples per frame, the rest merged in ({@link PruMergePlus}). Options: the {@link TokenBudget}'s. */
public record PruMergeMethod(TokenBudget budget) implements CompressionMethod {
    public static final MethodSpec SPEC = new MethodSpec("prumerge", List.of("ratio", "ttm_k", "ttm_windows"), PruMergeMethod::parse);

    public PruMergeMethod {
        java.util.Objects.requireNonNull(budget, "budget");
    }

    /** At DyCoke's budget. */
    public static PruMergeMethod defaults() {
        return new PruMergeMethod(TokenBudget.matchTtm());
    }

    static PruMergeMethod parse(Map<String, String> options) {
        return new PruMergeMethod(TokenBudget.read(SPEC.reader(options)));
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
    public boolean needsVisionAttention() {
        return true;
    }

    @Override
    public Compressor preLlm() {
        return pooled -> new PruMergePlus(budget.ratioFor(pooled.frames(), pooled.tokensPerFrame())).compress(pooled);
    }
}
