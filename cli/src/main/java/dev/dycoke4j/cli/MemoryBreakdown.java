package dev.dycoke4j.cli;

import dev.dycoke4j.io.LlavaConfig;
import dev.dycoke4j.pipeline.VisionOptions;

/**
 * What one {@code bench} run's peak resident memory is measured against: the resident weight bytes, the KV cache's
 * bytes and the largest activation buffers, and the peak over their sum (1.0 would be no overhead at all: the JVM's
 * heap slack, garbage not yet collected, thread stacks and the code cache are the rest).
 */
record MemoryBreakdown(long peakRss, long weights, long kv, long activations) {
    long sum() {
        return weights + kv + activations;
    }

    /** Peak RSS over the sum; NaN where the system does not report the peak. */
    double ratio() {
        return peakRss < 0 ? Double.NaN : (double) peakRss / sum();
    }

    /**
     * The larger of the two stages' live float buffers: the language model's prefill over {@code promptTokens} rows
     * (x and its normed copy, q, k, v, the attention output, gate and up) and the vision tower over one batch of
     * {@code frames} (at most {@link VisionOptions#DEFAULT_BATCH}) frames' patches (x, its normed copy, q, k, v, the
     * projection and the MLP's hidden rows).
     */
    static long activationBytes(LlavaConfig c, int promptTokens, int frames) {
        long prefill = prefillBytes(c.text(), promptTokens);
        var v = c.vision();
        long patches = (long) Math.min(frames, VisionOptions.DEFAULT_BATCH) * v.numPatches();
        long vision = 4L * patches * (6L * v.hiddenSize() + v.intermediateSize());
        return Math.max(prefill, vision);
    }

    /** The language model's prefill buffers over {@code promptTokens} rows, as {@link #activationBytes} counts them. */
    static long prefillBytes(LlavaConfig.TextConfig t, int promptTokens) {
        long qDim = (long) t.numHeads() * t.headDim(), kvDim = (long) t.numKvHeads() * t.headDim();
        return 4L * promptTokens * (2L * t.hiddenSize() + 2 * qDim + 2 * kvDim + 2L * t.intermediateSize());
    }
}
