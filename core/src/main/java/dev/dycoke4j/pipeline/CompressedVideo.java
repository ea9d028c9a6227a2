package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.VisualTokens;

/**
 * What {@link CompressStage} gives: an encoded video after a pre-LLM method, ready for {@link AnswerStage#start}.
 * Question-independent.
 *
 * @param encoded     the video before compression
 * @param compression the method and its settings (the in-LLM parts, DP and FastV, run in the answers)
 * @param kept        the visual tokens kept, in prompt order
 * @param embeds      the video's rows of the prompt, as the model family lays them out ({@link VideoModel#videoRows}):
 *                    for LLaVA-OneVision the kept rows, then the newline {@code [kept + 1, hidden]}
 * @param compress    seconds the pre-LLM method took
 */
public record CompressedVideo(EncodedVideo encoded, CompressionMethod compression, VisualTokens kept, float[] embeds,
                              double compress) {
    public int frames() {
        return encoded.frames();
    }

    /** The pooled tokens before compression. */
    public VisualTokens all() {
        return encoded.tokens();
    }

    /** Video positions in the prompt: the rows of {@link #embeds} (LLaVA-OneVision's kept tokens and the newline; Qwen2.5-VL's kept tokens). */
    public int videoPositions() {
        return embeds.length / kept.dim();
    }

    /** Whether no vision tower ran for it (the features came from the cache, or {@link #paid}). */
    public boolean visionCached() {
        return encoded.cached();
    }

    /** The video side's wall time: encode and compression. */
    public double seconds() {
        return encoded.seconds() + compress;
    }

    /** The video side's seconds per stage (no LLM stages). */
    public Stats.Seconds videoSeconds() {
        return new Stats.Seconds(encoded.decode(), encoded.preprocess(), encoded.vision(), encoded.projectPool(), compress, 0, 0, encoded.overlapped());
    }

    /**
     * The same video whose cost an earlier answer already reported: an answer on it counts no video seconds and
     * reports the vision as cached (a session's follow-up questions).
     */
    public CompressedVideo paid() {
        EncodedVideo e = new EncodedVideo(encoded.features(), encoded.featureKey(), true, 0, 0, 0, 0, 0);
        return new CompressedVideo(e, compression, kept, embeds, 0);
    }
}
