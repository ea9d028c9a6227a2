package dev.dycoke4j.compress;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A pre-LLM method whose only setting besides its own is a {@link TokenBudget}: its options text starts with the
 * budget's, and its pre-LLM step runs {@link #atRatio} at the ratio the budget gives for each video.
 */
public interface BudgetedMethod extends CompressionMethod {
    /** The method's compressor for one video, keeping {@code ratio} of its pooled tokens. */
    Compressor atRatio(double ratio);

    @Override
    default Map<String, String> options() {
        Map<String, String> m = new LinkedHashMap<>();
        budget().write(m);
        return m;
    }

    @Override
    default Compressor preLlm() {
        return pooled -> atRatio(budget().ratioFor(pooled.frames(), pooled.tokensPerFrame())).compress(pooled);
    }
}
