package dev.dycoke4j.peer;

/**
 * One engine's text-only greedy generation from token ids, with the prefill and the decode steps timed apart: ours
 * ({@link DycokeText}) and each peer's, so that a peer benchmark times both the same way.
 */
public interface TextEngine extends AutoCloseable {
    /**
     * Prefills {@code prompt} (one batched pass, ending with the logits of its last position), then decodes greedily
     * until {@code newTokens} tokens exist, stop tokens ignored.
     */
    Run generate(int[] prompt, int newTokens);

    @Override
    void close();

    /** Tokens made; seconds of the prefill (incl. the first token's logits) and of the {@code tokens.length - 1} decode steps. */
    record Run(int[] tokens, double prefillSeconds, double decodeSeconds) {
        public double prefillTokensPerSecond(int promptTokens) {
            return promptTokens / prefillSeconds;
        }

        public double decodeTokensPerSecond() {
            return (tokens.length - 1) / decodeSeconds;
        }
    }
}
