package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.VisualTokens;

/**
 * The question-independent side of a request: the pooled tokens, what the pre-LLM stage kept, the video's rows of
 * the prompt (kept rows and the newline), and what computing them cost.
 *
 * @param featureKey   the vision-feature cache key, or null when the features were not cached
 * @param visionCached whether the features came from the cache (no vision tower ran)
 * @param overlapped   seconds of the stages that ran at the same time as others, as in {@link Stats.Seconds}
 */
record EncodedVideo(int frames, VisualTokens all, VisualTokens kept, float[] videoEmbeds, String featureKey,
                    boolean visionCached, double decode, double preprocess, double vision, double projectPool, double compress,
                    double overlapped) {
    /** The wall time of the video side: the stages' sum less their overlap. */
    double seconds() {
        return decode + preprocess + vision + projectPool + compress - overlapped;
    }
}
