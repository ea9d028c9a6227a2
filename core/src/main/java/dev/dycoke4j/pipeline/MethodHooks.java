package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionOptions;
import dev.dycoke4j.compress.Compressor;
import dev.dycoke4j.compress.DynamicPruning;
import dev.dycoke4j.compress.FastV;
import dev.dycoke4j.compress.Flops;
import dev.dycoke4j.compress.Method;
import dev.dycoke4j.compress.PruMergePlus;
import dev.dycoke4j.compress.RandomPruning;
import dev.dycoke4j.compress.UniformPruning;
import dev.dycoke4j.compress.VisionZip;
import dev.dycoke4j.io.LlavaConfig;
import dev.dycoke4j.llm.AttentionHook;
import dev.dycoke4j.llm.PrefillHook;

/**
 * Everything the stages do that depends on the compression method, in one place: the pre-LLM compressor, whether the
 * vision tower must keep the attention its patches receive, and, per request, DyCoke's DP (a decode hook) and FastV
 * (a prefill hook) with what they report. The stages call nothing method-specific but this.
 */
final class MethodHooks {
    private final DynamicPruning dp;
    private final FastV fastv;

    private MethodHooks(DynamicPruning dp, FastV fastv) {
        this.dp = dp;
        this.fastv = fastv;
    }

    /**
     * The in-LLM hooks of a request whose {@code visual} visual positions (of {@code frames} frames' tokens) start at
     * {@code start}, and that generates up to {@code maxNew} tokens.
     */
    static MethodHooks forRequest(LlavaOneVision model, CompressionOptions comp, int start, int visual, int frames, int maxNew) {
        return new MethodHooks(dynamicPruning(model, comp, start, visual, maxNew), fastV(model, comp, start, visual, frames));
    }

    /** The hook of every decode step (DyCoke's DP), or null. */
    AttentionHook decodeHook() {
        return dp;
    }

    /** The prefill hook (FastV), or null; the prefill then runs in one chunk. */
    PrefillHook prefillHook() {
        return fastv;
    }

    /** Whether the prompt's question-independent prefix may come from the prefix cache: not with FastV, whose prefill depends on the question. */
    boolean prefixReusable() {
        return fastv == null;
    }

    /** The mean visual tokens attended per decode step at the pruned layers, for {@code kept} visual tokens in the prompt. */
    double attended(int kept) {
        return dp != null ? dp.attendedMean() : fastv != null ? fastv.kept() : kept;
    }

    /** The prefill FLOPs of a prompt of {@code n} tokens holding {@code kept} visual tokens, by the papers' formula. */
    double prefillFlops(LlavaConfig.TextConfig c, int n, int kept) {
        int layers = c.numLayers();
        return fastv != null
                ? Flops.prefill(layers, n, fastv.layer() + 1, n - kept + fastv.kept(), c.hiddenSize(), c.intermediateSize())
                : Flops.prefill(layers, n, layers, n, c.hiddenSize(), c.intermediateSize());
    }

    /** The method's id, as reported in {@link Stats#method}. */
    static String id(CompressionOptions comp) {
        return comp.method().id();
    }

    /** Whether the method ranks tokens by the attention they receive in the vision tower (the features' saliency). */
    static boolean needsSaliency(CompressionOptions comp) {
        return comp.method().needsVisionAttention();
    }

    /** Whether a trace records the kept indices (every method that may drop tokens before the LLM). */
    static boolean tracesKept(CompressionOptions comp) {
        return comp.method() != Method.NONE;
    }

    /** DyCoke's DP for a request whose {@code visual} visual positions start at {@code start}; null when it doesn't run. */
    static DynamicPruning dynamicPruning(LlavaOneVision model, CompressionOptions comp, int start, int visual, int maxNew) {
        if (comp.method() != Method.DYCOKE || !comp.dpEnabled()) return null;
        return new DynamicPruning(comp.dpMode(), checkLayer(model, comp.dpLayer(), "--dp-l"), comp.dpP(), start, visual, maxNew,
                comp.dpStore() == DynamicPruning.Store.COMPACT ? comp.dpStoreType() : null);
    }

    /** FastV's prefill hook for a request of {@code frames} frames; null unless the method is FastV. */
    static FastV fastV(LlavaOneVision model, CompressionOptions comp, int start, int visual, int frames) {
        if (comp.method() != Method.FASTV) return null;
        return new FastV(checkLayer(model, comp.fastvLayer(), "--fastv-k"), start, visual,
                (int) Math.round(comp.ratioFor(frames, model.tokensPerFrame()) * visual));
    }

    private static int checkLayer(LlavaOneVision model, int layer, String option) {
        int layers = model.config().text().numLayers();
        if (layer < 1 || layer > layers - 1)
            throw new IllegalArgumentException(option + " " + layer + " is outside 1.." + (layers - 1) + " for this " + layers + "-layer model");
        return layer;
    }

    /** The pre-LLM compressor of a method. */
    static Compressor preLlm(CompressionOptions comp, int frames) {
        return switch (comp.method()) {
            case NONE, FASTV -> Compressor.NONE;
            case DYCOKE -> pooled -> comp.ttmFor(frames, pooled.tokensPerFrame()).compress(pooled);
            case RANDOM -> pooled -> new RandomPruning(comp.ratioFor(frames, pooled.tokensPerFrame()), comp.seed()).compress(pooled);
            case UNIFORM -> pooled -> new UniformPruning(comp.ratioFor(frames, pooled.tokensPerFrame())).compress(pooled);
            case PRUMERGE -> pooled -> new PruMergePlus(comp.ratioFor(frames, pooled.tokensPerFrame())).compress(pooled);
            case VISIONZIP -> pooled -> new VisionZip(comp.ratioFor(frames, pooled.tokensPerFrame()), VisionZip.DEFAULT_DOMINANT_SHARE).compress(pooled);
        };
    }
}
