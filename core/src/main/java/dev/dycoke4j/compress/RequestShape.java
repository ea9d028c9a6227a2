package dev.dycoke4j.compress;

/**
 * What an in-LLM hook needs to know about a request: the model's depth, where the visual tokens sit in the prompt,
 * the video they came from, and how many tokens follow the prompt.
 *
 * @param layers         the language model's layers
 * @param start          the first visual position in the prompt
 * @param visual         visual tokens in the prompt (after the pre-LLM hook), without the newline token
 * @param frames         frames of the video
 * @param tokensPerFrame pooled tokens per frame
 * @param newTokens      tokens generated (or teacher-forced) after the prompt
 */
public record RequestShape(int layers, int start, int visual, int frames, int tokensPerFrame, int newTokens) {
    /**
     * Checks that {@code layer}, the option {@code key}'s value, leaves layers on both sides of it: 1 to layers - 1.
     *
     * @return {@code layer}
     */
    public int checkLayer(String key, int layer) {
        if (layer < 1 || layer > layers - 1)
            throw new InvalidOptionException(key, layer + " is outside 1.." + (layers - 1) + " for this " + layers + "-layer model");
        return layer;
    }
}
