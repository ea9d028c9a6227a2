package dev.dycoke4j.llm;

/**
 * The in-LLM hook for decode steps. The decoder computes the new token's attention probabilities (averaged over
 * query heads) only at {@link #probeLayer()}, hands them here, and the layers above attend only to the positions
 * returned.
 */
public interface AttentionHook {
    /** The layer whose probabilities are wanted (L-1 for DyCoke's layer L). */
    int probeLayer();

    /**
     * @param probs head-averaged probabilities of the current token over cache positions {@code [0, len)}
     * @return the positions that layers above the probe layer attend to (the current token's own included), or null
     *         for all of them
     */
    int[] select(float[] probs, int len);

    /**
     * Called right after {@link #select}, with its result, before the layers above the probe layer run (their slots
     * then hold every position but the current one): a hook may move cache entries between storage tiers here.
     */
    default void afterSelect(KvCache cache, int[] active) {
    }
}
