package dev.dycoke4j.compress;

import java.util.Map;

/**
 * A visual-token compression method with its settings, as the engine runs it: what it does to the pooled tokens
 * before the LLM ({@link #preLlm}), and the hooks it places in the LLM's prefill ({@link #prefill}) and decode steps
 * ({@link #decode}). Implementations are immutable values (their options); the {@link CompressionMethods} registry
 * lists them by name and builds them from options text.
 */
public interface CompressionMethod {
    /** The registry name: {@code --compress NAME} and the stats' method id. */
    String name();

    /** The settings as options text, every key the method takes that applies, in a fixed order: the spec rebuilds it. */
    Map<String, String> options();

    /** A deterministic identity of the method and its settings (prefix cache keys): the name and canonical options. */
    default String key() {
        return name() + options();
    }

    /** How many visual tokens the method keeps: a retained ratio, or as many as DyCoke's TTM would. */
    TokenBudget budget();

    /** Whether the method ranks tokens by the attention they receive in the vision tower (the features' saliency). */
    default boolean needsVisionAttention() {
        return false;
    }

    /**
     * Whether the method needs each frame's signals from SigLIP's attention-pooling head (FastVID's); its pre-LLM hook
     * is then a {@link FrameSignalCompressor}.
     */
    default boolean needsFrameSignals() {
        return false;
    }

    /**
     * The pre-LLM hook, on every pooled token of a video ({@link VisualTokens#frames()} frames). It must not depend on
     * the question, so that its result can be cached per video.
     */
    Compressor preLlm();

    /** The prefill hook of a request (FastV's), or null when the method prunes nothing at prefill. */
    default PrefillPruning prefill(RequestShape request) {
        return null;
    }

    /** The hook for a request's decode steps (DyCoke's dynamic pruning), or null when the method has none. */
    default DecodePruning decode(RequestShape request) {
        return null;
    }
}
