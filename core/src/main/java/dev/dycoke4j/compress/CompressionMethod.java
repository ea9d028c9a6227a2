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

    /**
     * How reports name this method with its settings: the name, and for a combination its parts
     * ({@code vidcom2+dp}).
     */
    default String label() {
        return name();
    }

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

    /**
     * The method as it runs on a video of {@code pooled} tokens (with its frame signals, or null) on a model of
     * {@code cost}: itself, unless its budget is set in another sense than tokens ({@link AtBudget}), which picks its
     * ratio here.
     */
    default CompressionMethod resolve(VisualTokens pooled, FastVid.FrameSignals signals, ModelCost cost) {
        return this;
    }

    /** The prefill hook of a request (FastV's), or null when the method prunes nothing at prefill. */
    default PrefillPruning prefill(RequestShape request) {
        return null;
    }

    /**
     * Whether the method drops visual tokens from the KV cache inside the LLM at prefill (FastV), so that the layers
     * above its layer cache fewer positions than those below (DP then selects among the rows each layer holds).
     */
    default boolean prunesAtPrefill() {
        return false;
    }

    /**
     * Whether the kept visual tokens enter the LLM at their original rotary positions, those of the unpruned video
     * ({@link VisualTokens#sourceIndex} after the video's first position), with the text after the video where it would
     * be after the whole video, as FastVID's official code places them; otherwise the prompt's positions are
     * consecutive.
     */
    default boolean keepsSourcePositions() {
        return false;
    }

    /**
     * Whether the pooled tokens the pre-LLM step does not keep are merged into kept ones (TTM, PruMerge+, VisionZip's
     * contextual tokens, HoliTom) rather than dropped: what a display of the kept tokens calls them.
     */
    default boolean merges() {
        return false;
    }

    /** Whether {@link #decode} gives a hook for some requests (DyCoke's DP when on). */
    default boolean hasDecodeHook() {
        return false;
    }

    /** The hook for a request's decode steps (DyCoke's dynamic pruning), or null when the method has none. */
    default DecodePruning decode(RequestShape request) {
        return null;
    }
}
