package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.DecodePruning;
import dev.dycoke4j.compress.PrefillPruning;
import dev.dycoke4j.compress.RequestShape;
import dev.dycoke4j.compress.VisualTokens;
import dev.dycoke4j.llm.KvCache;

/**
 * The language-model side of a request, set up from the kept visual tokens: the prompt ids checked against the
 * context, their input embeddings, how many tokens follow the prompt, the method's decode hook (DyCoke's DP) and
 * prefill hook (FastV's), null when it has none, both placed at the prompt's first video position, and a KV cache
 * sized for it all.
 * {@link VideoQa#generate} and {@link Fidelity} both start here.
 *
 * @param prompt    the prompt ids, with the video token once per video position
 * @param embeds    the input embeddings of the prompt {@code [prompt.length, hidden]}
 * @param newTokens the tokens generated (or teacher-forced) after the prompt
 */
record PreparedRequest(int[] prompt, float[] embeds, int newTokens, DecodePruning dp, PrefillPruning fastv, KvCache cache) {

    /**
     * For generation: the prompt is {@code ids} when given, else the chat template around {@code question}; it must
     * leave room in the context, and up to {@code maxNew} tokens are generated as far as the context allows.
     */
    static PreparedRequest generation(VideoQa qa, int[] ids, String question, VisualTokens kept, float[] videoEmbeds, int frames,
                                      CompressionMethod comp, int maxNew) {
        int[] prompt = ids != null ? ids : qa.promptIds(question, kept.count() + 1);
        int ctx = qa.model().config().text().maxPositions();
        if (prompt.length >= ctx)
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens (" + (kept.count() + 1)
                    + " of them video), more than the model's context of " + ctx + "; use fewer frames");
        return of(qa, qa.model(), prompt, videoEmbeds, kept.count(), frames, comp, Math.min(maxNew, ctx - prompt.length));
    }

    /**
     * For teacher forcing on {@code model} (the reference's, or another load of its checkpoint): the chat template
     * around {@code question}, and all {@code steps} steps must fit in the context with it.
     */
    static PreparedRequest steps(VideoQa qa, LlavaOneVision model, String question, VisualTokens kept, int frames,
                                 CompressionMethod comp, int steps) {
        int[] prompt = qa.promptIds(question, kept.count() + 1);
        int ctx = model.config().text().maxPositions();
        if (prompt.length + steps > ctx)
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens, too many for " + steps + " steps in the model's context of " + ctx);
        return of(qa, model, prompt, model.withNewline(kept.features(), kept.count()), kept.count(), frames, comp, steps);
    }

    private static PreparedRequest of(VideoQa qa, LlavaOneVision model, int[] prompt, float[] videoEmbeds, int visual, int frames,
                                      CompressionMethod comp, int newTokens) {
        float[] x = model.inputsEmbeds(prompt, videoEmbeds);
        int start = qa.firstVideoPosition(prompt);
        RequestShape shape = new RequestShape(model.config().text().numLayers(), start, visual, frames, model.tokensPerFrame(), newTokens);
        DecodePruning dp = comp.decode(shape);
        PrefillPruning fastv = comp.prefill(shape);
        return new PreparedRequest(prompt, x, newTokens, dp, fastv, model.newCache(prompt.length + newTokens));
    }
}
