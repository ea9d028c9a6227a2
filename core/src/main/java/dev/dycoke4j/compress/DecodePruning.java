package dev.dycoke4j.compress;

import dev.dycoke4j.llm.AttentionHook;

/**
 * A decode-step hook that lets the layers above its probe layer attend to part of the visual tokens. It is its own
 * component, independent of the pre-LLM hook, so that any method can run one (DyCoke's is {@link DynamicPruning}).
 */
public interface DecodePruning extends AttentionHook {
    /** The mean over decode steps of the visual tokens attended above the probe layer (all of them when no step ran). */
    double attendedMean();

    /** The layer L from which the layers attend to part of the visual tokens. */
    int layer();

    /** Visual tokens attended at a step that chooses a new selection. */
    int attendedAtSelection();

    /** The encoding of the store pruned entries move to, or null when they stay in the cache's own rows. */
    default dev.dycoke4j.llm.KvCache.CompactType compactType() {
        return null;
    }
}
