package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.Compressor;
import dev.dycoke4j.compress.FrameSignalCompressor;
import dev.dycoke4j.compress.VisualTokens;

/**
 * The pre-LLM side of a compression method on an encoded video: the tokens kept and the video's rows of the prompt.
 * Question-independent, so one result serves any number of questions; the method's in-LLM parts (DyCoke's DP, FastV)
 * run in {@link AnswerStage}.
 */
public final class CompressStage {
    private final VideoModel model;

    CompressStage(VideoModel model) {
        this.model = model;
    }

    /** Whether {@code comp}'s method needs the features' saliency ({@link VisionOptions#saliency}). */
    public static boolean needsSaliency(CompressionMethod comp) {
        return MethodHooks.needsSaliency(comp);
    }

    /** Whether {@code comp}'s method needs the pooling head's frame signals ({@link VisionOptions#frameSignals}). */
    public static boolean needsFrameSignals(CompressionMethod comp) {
        return comp.needsFrameSignals();
    }

    /**
     * Applies {@code comp}'s pre-LLM method to {@code video}; a method whose budget is set in another sense than tokens
     * runs at the ratio that meets it on this video, and the result names that method.
     */
    public CompressedVideo apply(EncodedVideo video, CompressionMethod comp) {
        return apply(video, comp, null);
    }

    /**
     * As above; the trace (may be null) gets the kept indices.
     *
     * @throws IllegalArgumentException when the model family cannot run the method ({@link VideoModel#checkMethod}),
     *                                  or the method needs the saliency or the frame signals and {@code video} was
     *                                  encoded without them
     */
    public CompressedVideo apply(EncodedVideo video, CompressionMethod comp, Trace trace) {
        model.checkMethod(comp);
        if (MethodHooks.needsSaliency(comp) && video.features().saliency() == null)
            throw new IllegalArgumentException(MethodHooks.id(comp) + " ranks tokens by their saliency, but the video was encoded without it");
        if (needsFrameSignals(comp) && video.features().signals() == null)
            throw new IllegalArgumentException(MethodHooks.id(comp) + " needs the frame signals of SigLIP's attention-pooling head, but the video was encoded without them");
        VisualTokens all = video.tokens();
        long t0 = System.nanoTime();
        comp = comp.resolve(all, video.features().signals(), MethodHooks.cost(model));
        Compressor pre = MethodHooks.preLlm(comp);
        VisualTokens kept = pre instanceof FrameSignalCompressor s ? s.compress(all, video.features().signals()) : pre.compress(all);
        float[] embeds = model.videoRows(kept);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (trace != null && MethodHooks.tracesKept(comp)) trace.ids("kept_indices", kept.sourceIndex());
        return new CompressedVideo(video, comp, onRows(kept, embeds), embeds, seconds);
    }

    /**
     * {@code kept} reading its rows from the video's rows of the prompt, which begin with them ({@link VideoModel#videoRows}):
     * a method that selects or merges tokens made its own copy of the kept rows, which a session would otherwise hold
     * next to the prompt's rows for as long as it lives (the pooled rows a method kept without copying stay in the
     * encoded video either way).
     */
    static VisualTokens onRows(VisualTokens kept, float[] videoRows) {
        if (kept.features() == videoRows) return kept;
        return new VisualTokens(videoRows, kept.count(), kept.dim(), kept.sourceIndex(), kept.frames(), kept.tokensPerFrame(), kept.saliency());
    }
}
