package dev.dycoke4j.compress;

import dev.dycoke4j.llm.PrefillHook;

/** A prefill hook that keeps {@link #kept()} of the visual rows for the layers above its {@link #layer()}. */
public interface PrefillPruning extends PrefillHook {
    /** Visual rows kept above the layer (for the stats and the FLOPs). */
    int kept();
}
