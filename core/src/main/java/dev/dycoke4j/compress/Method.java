package dev.dycoke4j.compress;

/** The visual-token compression methods the engine runs side by side. */
public enum Method {
    /** No compression. */
    NONE,
    /** DyCoke: TTM before the LLM, then dynamic KV pruning while decoding. */
    DYCOKE,
    /** FastV: at prefill layer K, keep the visual tokens the last token attends to most. */
    FASTV,
    /** LLaVA-PruMerge+, adapted to SigLIP: attention-outlier tokens plus spatial samples, the rest merged in. */
    PRUMERGE,
    /** VisionZip, video variant: dominant tokens by attention plus merged contextual tokens, per frame. */
    VISIONZIP,
    /** A seeded random subset. */
    RANDOM,
    /** A uniform stride. */
    UNIFORM;

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Whether the method ranks tokens by the attention they receive in the vision tower. */
    public boolean needsVisionAttention() {
        return this == PRUMERGE || this == VISIONZIP;
    }
}
