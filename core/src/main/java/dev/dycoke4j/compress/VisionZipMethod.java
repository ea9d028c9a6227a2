package dev.dycoke4j.compress;

import java.util.List;
import java.util.Map;

/** VisionZip, video variant: dominant tokens by attention plus merged contextual tokens, per frame ({@link VisionZip}). Options: the {@link TokenBudget}'s. */
public record VisionZipMethod(TokenBudget budget) implements BudgetedMethod {
    public static final MethodSpec SPEC = new MethodSpec("visionzip", TokenBudget.KEYS, VisionZipMethod::parse);

    public VisionZipMethod {
        java.util.Objects.requireNonNull(budget, "budget");
    }

    /** At DyCoke's budget. */
    public static VisionZipMethod defaults() {
        return new VisionZipMethod(TokenBudget.matchTtm());
    }

    static VisionZipMethod parse(Map<String, String> options) {
        return new VisionZipMethod(TokenBudget.read(SPEC.reader(options)));
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
        return new VisionZip(ratio, VisionZip.DEFAULT_DOMINANT_SHARE);
    }
}
