package dev.dycoke4j.llm;

/**
 * The in-LLM hook for the prefill (FastV): after layer {@link #layer()}, the decoder hands over the last prompt
 * token's attention probabilities (averaged over query heads) and keeps only the rows returned for the layers above.
 */
public interface PrefillHook {
    int layer();

    /**
     * @param probs head-averaged attention of the last row over the prompt's positions {@code [0, rows)}
     * @return the rows to keep, ascending; the last row must be among them
     */
    int[] keep(float[] probs, int rows);
}
