package dev.dycoke4j.pipeline;

/**
 * What one request cost.
 *
 * @param method          the compression method's id
 * @param frames          frames given to the vision tower
 * @param visualTokens    pooled visual tokens, without the newline token
 * @param visualKept      visual tokens after the pre-LLM stage, without the newline token
 * @param visualAttended  mean over decode steps of the visual tokens attended at the pruned layers (DyCoke DP: L and
 *                        above; FastV: above K); the kept count for other methods
 * @param promptTokens    tokens of the prompt (text and video positions), prefilled or restored from a prefix
 * @param generatedTokens tokens generated, the stop token included
 * @param seconds         wall time per stage
 * @param kvCacheBytes    bytes of the KV cache held in its active (float32) store at the end
 * @param kvPrunedBytes   bytes of pruned KV entries moved to a compact store, scales included (0 when pruned entries
 *                        stay in place: {@code --dp-store full})
 * @param flopsLlm        LLM prefill FLOPs of the whole prompt by the FastV/DyCoke papers' formula
 * @param peakRssBytes    the process's peak resident memory so far (VmHWM), or -1 where unknown
 * @param visionCached    whether no vision tower ran for this answer: the features came from the vision-feature cache,
 *                        or from the session's first question (for a follow-up)
 * @param prefixCachedTokens prompt tokens whose KV entries were restored from a prefix snapshot instead of prefilled
 *                        (0: a full prefill; always 0 for FastV, whose prefill depends on the question)
 * @param ttftSeconds     time to the first token: the video side when this answer computed it (decode, preprocess,
 *                        vision, compress), the prefill, and sampling the first token
 */
public record Stats(String method, int frames, int visualTokens, int visualKept, double visualAttended, int promptTokens,
                    int generatedTokens, Seconds seconds, long kvCacheBytes, long kvPrunedBytes, double flopsLlm,
                    long peakRssBytes, boolean visionCached, int prefixCachedTokens, double ttftSeconds) {
    /** Wall time per stage, in seconds; {@code vision} is the SigLIP tower, {@code projectPool} the projector and pooling. */
    public record Seconds(double decodeVideo, double preprocess, double vision, double projectPool, double compress, double prefill, double generate) {
        public double total() {
            return decodeVideo + preprocess + vision + projectPool + compress + prefill + generate;
        }
    }

    /** Decode speed: tokens after the first, per second of the decode loop. */
    public double tokensPerSecond() {
        return generatedTokens > 1 && seconds.generate() > 0 ? (generatedTokens - 1) / seconds.generate() : 0;
    }

    /** One line for a terminal. */
    public String line() {
        return String.format(java.util.Locale.ROOT,
                "%s | frames %d | visual tokens %d -> %d (attended %.1f) | prompt %d tok | decode %.2fs preprocess %.2fs vision %.2fs project+pool %.2fs compress %.3fs prefill %.2fs generate %.2fs | %.1f tok/s | %.3g TFLOP | KV cache %s | peak RSS %s | TTFT %.3fs%s",
                method, frames, visualTokens, visualKept, visualAttended, promptTokens, seconds.decodeVideo(), seconds.preprocess(),
                seconds.vision(), seconds.projectPool(), seconds.compress(), seconds.prefill(), seconds.generate(), tokensPerSecond(), flopsLlm / 1e12,
                Bytes.human(kvCacheBytes) + (kvPrunedBytes > 0 ? " + " + Bytes.human(kvPrunedBytes) + " compact" : ""),
                peakRssBytes < 0 ? "n/a" : Bytes.human(peakRssBytes), ttftSeconds,
                (visionCached ? " | vision cached" : "") + (prefixCachedTokens > 0 ? " | prefix " + prefixCachedTokens + " tok cached" : ""));
    }
}
