package dev.dycoke4j.compress;

import dev.dycoke4j.llm.AttentionHook;

/**
 * A decode-step hook that lets the layers above its probe layer attend to part of the visual tokens. It is its own
 * component, independent of the pre-LLM hook, so that any method can run one (DyCoke's is {@link DynamicPruning}).
 */
public interface DecodePruning extends AttentionHook {
    /** The mean over decode steps of the visual tokens attended above the probe layer (all of them when no step ran). */
    double attendedMean();
}
