package dev.dycoke4j.compress;

import dev.dycoke4j.llm.AttentionHook;

/**
 * A decode-step hook that lets the layers above its probe layer attend to part of the visual tokens. It is its own
 * component, independent of the pre-LLM hook, so that any method can run one (DyCoke's is {@link DynamicPruning}).
 */
public interface DecodePruning extends AttentionHook {
    /** The mean over decode steps of the visual tokens attended above the probe layer (all of them when no step ran). */
    double attendedMean();

    /**
     * As {@link #attendedMean()}, with {@code rows} the visual rows the top layer holds (fewer than the prompt's after a
     * method that drops rows at prefill): what it gives when no step ran.
     */
    default double attendedMean(int rows) {
        return attendedMean();
    }

    /** The layer L from which the layers attend to part of the visual tokens. */
    int layer();

    /** Visual tokens attended at a step that chooses a new selection. */
    int attendedAtSelection();

    /** As {@link #attendedAtSelection()}, when the layers above the probe hold {@code rows} visual rows. */
    default int attendedAtSelection(int rows) {
        return Math.min(rows, attendedAtSelection());
    }

    /** The encoding of the store pruned entries move to, or null when they stay in the cache's own rows. */
    default dev.dycoke4j.llm.KvCache.CompactType compactType() {
        return null;
    }
}
