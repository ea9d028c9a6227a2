package dev.dycoke4j.llm;

/**
 * The in-LLM hook for the prefill (FastV, HoliTom's merge): after layer {@link #layer()}, the decoder hands over the
 * last prompt token's attention probabilities (averaged over query heads) and the hidden states, and keeps only the
 * rows returned for the layers above.
 */
public interface PrefillHook {
    int layer();

    /**
     * @param probs head-averaged attention of the last row over the prompt's positions {@code [0, rows)}
     * @return the rows to keep, ascending; the last row must be among them
     */
    int[] keep(float[] probs, int rows);

    /**
     * As {@link #keep(float[], int)}, with the hidden states after the layer, {@code [rows, dim]}, which the hook may
     * change before the rows are dropped (HoliTom folds each dropped row into the kept row most like it). By default
     * they stay as they are.
     */
    default int[] keep(float[] probs, float[] hidden, int rows, int dim) {
        return keep(probs, rows);
    }
}
