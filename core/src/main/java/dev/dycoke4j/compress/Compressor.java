package dev.dycoke4j.compress;

/**
 * The pre-LLM hook: takes the pooled visual tokens and returns the ones the LLM will see (a subset, in the order
 * they are placed in the prompt). It must not depend on the question, so its result can be cached per video.
 */
public interface Compressor {
    VisualTokens compress(VisualTokens pooled);

    /** Keeps every token. */
    Compressor NONE = pooled -> pooled;
}
