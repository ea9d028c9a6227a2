package dev.dycoke4j.llm;

/**
 * The in-LLM hook for decode steps. The decoder computes the new token's attention probabilities (averaged over
 * query heads) only at {@link #probeLayer()}, hands them here, and the layers above attend only to the slots returned.
 */
public interface AttentionHook {
    /** The layer whose probabilities are wanted (L-1 for DyCoke's layer L). */
    int probeLayer();

    /**
     * @param probs head-averaged probabilities of the current token over the probe layer's slots {@code [0, len)}
     * @return the slots that layers above the probe layer attend to (the current token's own included), or null for
     *         all of them
     */
    int[] select(float[] probs, int len);

    /**
     * As {@link #select(float[], int)}, with the sequence's cache, whose layers may hold different tokens (a prefill
     * hook dropped some from the layers above its layer: {@link KvCache#tokenOf}); a hook that picks slots per layer
     * then gives each layer's through {@link #activeAt}. By default the same as without the cache.
     */
    default int[] select(float[] probs, int len, KvCache cache) {
        return select(probs, len);
    }

    /**
     * The slots {@code layer} (above the probe layer) attends to at this step, given what {@link #select} returned; null
     * for all. By default that same result at every layer, which is right when they all hold the same tokens.
     */
    default int[] activeAt(int layer, int[] selected) {
        return selected;
    }

    /**
     * Called right after {@link #select}, with its result, before the layers above the probe layer run (their slots
     * then hold every position but the current one): a hook may move cache entries between storage tiers here.
     */
    default void afterSelect(KvCache cache, int[] active) {
    }
}
