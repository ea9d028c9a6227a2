package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.Compressor;
import dev.dycoke4j.compress.DecodePruning;
import dev.dycoke4j.compress.Flops;
import dev.dycoke4j.compress.ModelCost;
import dev.dycoke4j.compress.NoneMethod;
import dev.dycoke4j.compress.PrefillPruning;
import dev.dycoke4j.compress.RequestShape;
import dev.dycoke4j.io.LlavaConfig;
import dev.dycoke4j.llm.AttentionHook;
import dev.dycoke4j.llm.PrefillHook;

/**
 * What the stages need of a compression method, in one place: the pre-LLM compressor, whether the vision tower must
 * keep the attention its patches receive, and, per request, the method's decode hook (DyCoke's DP) and prefill hook
 * (FastV) with what they report. The methods themselves are plug-ins ({@link CompressionMethod}); this class only
 * places their hooks in a request and turns what they report into the stats.
 */
final class MethodHooks {
    private final DecodePruning decode;
    private final PrefillPruning prefill;

    private MethodHooks(DecodePruning decode, PrefillPruning prefill) {
        this.decode = decode;
        this.prefill = prefill;
    }

    /**
     * The in-LLM hooks of a request whose {@code visual} visual positions (of {@code frames} frames of
     * {@code tokensPerFrame} tokens) start at {@code start}, and that generates up to {@code maxNew} tokens.
     */
    static MethodHooks forRequest(LlavaConfig.TextConfig text, CompressionMethod comp, int start, int visual, int frames, int tokensPerFrame,
                                  int maxNew) {
        RequestShape shape = new RequestShape(text.numLayers(), start, visual, frames, tokensPerFrame, maxNew);
        return new MethodHooks(comp.decode(shape), comp.prefill(shape));
    }

    /** The hook of every decode step (DyCoke's DP), or null. */
    AttentionHook decodeHook() {
        return decode;
    }

    /** The prefill hook (FastV), or null; the prefill then runs in one chunk. */
    PrefillHook prefillHook() {
        return prefill;
    }

    /** Whether the prompt's question-independent prefix may come from the prefix cache: not with a prefill hook, which depends on the question. */
    boolean prefixReusable() {
        return prefill == null;
    }

    /** The mean visual tokens attended per decode step at the pruned layers, for {@code kept} visual tokens in the prompt. */
    double attended(int kept) {
        return decode != null ? decode.attendedMean() : prefill != null ? prefill.kept() : kept;
    }

    /** The prefill FLOPs of a prompt of {@code n} tokens holding {@code kept} visual tokens, by the papers' formula. */
    double prefillFlops(LlavaConfig.TextConfig c, int n, int kept) {
        int layers = c.numLayers();
        return prefill != null
                ? Flops.prefill(layers, n, prefill.layer() + 1, n - kept + prefill.kept(), c.hiddenSize(), c.intermediateSize())
                : Flops.prefill(layers, n, layers, n, c.hiddenSize(), c.intermediateSize());
    }

    /** What the budgets of the methods depend on in {@code model}'s language model. */
    static ModelCost cost(VideoModel model) {
        LlavaConfig.TextConfig c = model.text();
        return new ModelCost(c.numLayers(), c.hiddenSize(), c.intermediateSize(), c.numKvHeads(), c.headDim(), model.kvCache().bytes);
    }

    /** The method's id, as reported in {@link Stats#method}. */
    static String id(CompressionMethod comp) {
        return comp.label();
    }

    /** Whether the method ranks tokens by the attention they receive in the vision tower (the features' saliency). */
    static boolean needsSaliency(CompressionMethod comp) {
        return comp.needsVisionAttention();
    }

    /** Whether a trace records the kept indices (every method that may drop tokens before the LLM). */
    static boolean tracesKept(CompressionMethod comp) {
        return !(comp instanceof NoneMethod);
    }

    /** The pre-LLM compressor of a method. */
    static Compressor preLlm(CompressionMethod comp) {
        return comp.preLlm();
    }
}
