package dev.dycoke4j.compress;

import dev.dycoke4j.llm.KvCache;

/**
 * A method's cost on one video in the sense of a {@link BudgetKind}, from what its hooks would do: the pre-LLM step
 * runs for real (so a method's own rounding counts), the in-LLM hooks are asked what they keep. Measured over the
 * video's positions: its visual tokens and the newline token.
 */
final class BudgetMeasure {
    private BudgetMeasure() {
    }

    /** The cost of {@code method} on {@code pooled}, every pooled token of a video. */
    static double of(BudgetKind kind, CompressionMethod method, VisualTokens pooled, FastVid.FrameSignals signals, ModelCost cost) {
        int kept = kept(method, pooled, signals);
        if (kind == BudgetKind.TOKENS) return kept;
        RequestShape shape = new RequestShape(cost.layers(), 0, kept, pooled.frames(), pooled.tokensPerFrame(), 1);
        PrefillPruning prefill = method.prefill(shape);
        DecodePruning decode = method.decode(shape);
        int n = kept + 1;
        return switch (kind) {
            case TOKENS -> kept;
            case ATTENDED -> decode != null ? decode.attendedAtSelection(prefill != null ? prefill.kept() : kept) : prefill != null ? prefill.kept() : kept;
            case FLOPS -> prefill != null
                    ? Flops.prefill(cost.layers(), n, prefill.layer() + 1, n - kept + prefill.kept(), cost.hidden(), cost.mlp())
                    : Flops.prefill(cost.layers(), n, cost.layers(), n, cost.hidden(), cost.mlp());
            case KV -> kvBytes(cost, kept, prefill, decode);
        };
    }

    /** The tokens {@code method}'s pre-LLM step keeps of {@code pooled}, run with the frame signals where it takes them. */
    static int kept(CompressionMethod method, VisualTokens pooled, FastVid.FrameSignals signals) {
        Compressor pre = method.preLlm();
        return (pre instanceof FrameSignalCompressor s ? s.compress(pooled, signals) : pre.compress(pooled)).count();
    }

    /**
     * KV bytes of the video's positions after a re-selecting decode step: layers above FastV's layer hold only its kept
     * rows; with DP's compact store, layers L and above hold the selection among their visual rows as float32 rows and
     * the rest of those compact.
     */
    private static double kvBytes(ModelCost cost, int kept, PrefillPruning prefill, DecodePruning decode) {
        int n = kept + 1;
        KvCache.CompactType compact = decode != null ? decode.compactType() : null;
        double bytes = 0;
        for (int l = 0; l < cost.layers(); l++) {
            boolean pruned = prefill != null && l > prefill.layer();
            int rows = pruned ? n - kept + prefill.kept() : n, visualRows = pruned ? prefill.kept() : kept;
            if (compact != null && l >= decode.layer()) {
                int active = decode.attendedAtSelection(visualRows);
                bytes += (rows - visualRows + active) * (double) cost.rowBytes(Float.BYTES)
                        + (visualRows - active) * (double) KvCache.compactRowBytes(compact, cost.kvHeads(), cost.headDim());
            } else {
                bytes += rows * (double) cost.rowBytes(cost.kvElementBytes());
            }
        }
        return bytes;
    }
}
