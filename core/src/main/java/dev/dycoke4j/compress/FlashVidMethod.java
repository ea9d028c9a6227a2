package dev.dycoke4j.compress;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FlashVID: its vision side before the LLM ({@link FlashVid}, with the official scripts' hyperparameters), then, in
 * the prefill, FastV's pruning at its layer: the attention the last prompt token pays the visual tokens at layer
 * {@code flashvid_layer - 1}, averaged over heads, keeps the top {@code ceil(0.3·n)} of the n visual tokens for
 * layers {@code flashvid_layer} and above. Options: {@code ratio} (the paper's 0.25 by default) and
 * {@code flashvid_layer} (the paper's 20).
 * <p>Budget: {@code ratio} is FlashVID's retention ratio. The vision side keeps {@code ceil(T·ratio·1.25)} tokens of
 * each frame's T, so the ratio is at most 0.8; the LLM keeps 30 % of them from its layer on. On the paper's 28-layer
 * model with layer 20 that averages the ratio over the layers (20/28·1.25 + 8/28·0.375 = 1); on other depths the
 * average differs, and the stats report what each stage kept.
 *
 * @param ratio the retention ratio, in (0, 0.8]
 * @param layer the first layer that sees only the kept tokens, checked against the model per request
 */
public record FlashVidMethod(double ratio, int layer) implements CompressionMethod {
    public static final MethodSpec SPEC = new MethodSpec("flashvid", List.of("ratio", "flashvid_layer"), FlashVidMethod::parse);
    /** The paper's default retention ratio. */
    public static final double PAPER_RATIO = 0.25;
    /** The paper's pruning layer in the LLM. */
    public static final int PAPER_LAYER = 20;
    /** The share of the visual tokens the LLM keeps from the pruning layer on (the official {@code llm_retention_ratio}). */
    public static final double LLM_RATIO = 0.3;

    public FlashVidMethod {
        TokenBudget.checkRatio(ratio);
        double most = 1 / FlashVid.Config.paper(PAPER_RATIO).expansion();
        if (ratio > most) throw new InvalidOptionException("ratio", "must be at most " + most + " for flashvid, whose vision side keeps 1.25 times it; got " + ratio);
        if (layer < 1) throw new InvalidOptionException("flashvid_layer", "must be at least 1, got " + layer);
    }

    /** At the paper's 25 %, pruning at layer 20. */
    public static FlashVidMethod defaults() {
        return new FlashVidMethod(PAPER_RATIO, PAPER_LAYER);
    }

    static FlashVidMethod parse(Map<String, String> options) {
        OptionReader r = SPEC.reader(options);
        return new FlashVidMethod(r.decimal("ratio", PAPER_RATIO), r.integer("flashvid_layer", PAPER_LAYER));
    }

    /** Its pruning inside the LLM drops visual rows from the KV cache of the layers from its layer on. */
    @Override
    public boolean prunesAtPrefill() {
        return true;
    }

    @Override
    public boolean merges() {
        return true;
    }

    @Override
    public String name() {
        return SPEC.name();
    }

    @Override
    public Map<String, String> options() {
        Map<String, String> m = new LinkedHashMap<>();
        budget().write(m);
        m.put("flashvid_layer", Integer.toString(layer));
        return m;
    }

    @Override
    public TokenBudget budget() {
        return TokenBudget.ratio(ratio);
    }

    @Override
    public boolean needsVisionAttention() {
        return true;
    }

    @Override
    public Compressor preLlm() {
        return new FlashVid(FlashVid.Config.paper(ratio));
    }

    /** FastV at layer {@code flashvid_layer - 1} keeping {@code ceil(0.3·visual)} visual tokens. */
    @Override
    public PrefillPruning prefill(RequestShape request) {
        int at = request.checkLayer("flashvid_layer", layer);
        return new FastV(at - 1, request.start(), request.visual(), (int) Math.ceil(request.visual() * LLM_RATIO));
    }
}
