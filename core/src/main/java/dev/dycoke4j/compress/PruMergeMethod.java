package dev.dycoke4j.compress;

import java.util.List;
import java.util.Map;

/** LLaVA-PruMerge+, adapted to SigLIP: attention-outlier tokens plus spatial samples per frame, the rest merged in ({@link PruMergePlus}). Options: the {@link TokenBudget}'s. */
public record PruMergeMethod(TokenBudget budget) implements BudgetedMethod {
    public static final MethodSpec SPEC = new MethodSpec("prumerge", TokenBudget.KEYS, PruMergeMethod::parse);

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
    public boolean merges() {
        return true;
    }

    @Override
    public String name() {
        return SPEC.name();
    }

    @Override
    public boolean needsVisionAttention() {
        return true;
    }

    @Override
    public Compressor atRatio(double ratio) {
        return new PruMergePlus(ratio);
    }
}
