package dev.dycoke4j.pipeline;

/**
 * How an answer is generated.
 *
 * @param maxNewTokens at most this many tokens (the stop token included)
 * @param temperature  0 for greedy decoding
 * @param topP         nucleus sampling mass, 1 for none
 * @param seed         sampling seed
 * @param ignoreStop   keep generating past stop tokens (benchmarks that need a fixed token count)
 */
public record GenerationOptions(int maxNewTokens, float temperature, float topP, long seed, boolean ignoreStop) {
    public GenerationOptions {
        if (maxNewTokens < 1) throw new IllegalArgumentException("max new tokens must be at least 1, got " + maxNewTokens);
        if (!(temperature >= 0)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
    }

    public static GenerationOptions greedy(int maxNewTokens) {
        return new GenerationOptions(maxNewTokens, 0f, 1f, 0, false);
    }
}
