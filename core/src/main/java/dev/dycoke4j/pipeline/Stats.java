package dev.dycoke4j.pipeline;

import dev.dycoke4j.platform.Bytes;

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
 * @param kvCacheBytes    bytes of the KV cache held in its active store (float32, or bfloat16 with --kv-cache bf16) at the end
 * @param kvPrunedBytes   bytes of pruned KV entries moved to a compact store, scales included (0 when pruned entries
 *                        stay in place: {@code --dp-store full})
 * @param flopsLlm        LLM prefill FLOPs of the whole prompt by the FastV/DyCoke papers' formula
 * @param peakRssBytes    the process's peak resident memory so far (VmHWM), or -1 where unknown
 * @param visionCached    whether no vision tower ran for this answer: the features came from the vision-feature cache,
 *                        or from the session's first question (for a follow-up)
 * @param prefixCachedTokens prompt tokens whose KV entries were restored from a prefix snapshot instead of prefilled
 *                        (0: a full prefill; always 0 for FastV, whose prefill depends on the question)
 * @param ttftSeconds     time to the first token: the video side's wall time when this answer computed it (decode,
 *                        preprocess, vision, compress, less their overlap), the prefill, and sampling the first token
 */
public record Stats(String method, int frames, int visualTokens, int visualKept, double visualAttended, int promptTokens,
                    int generatedTokens, Seconds seconds, long kvCacheBytes, long kvPrunedBytes, double flopsLlm,
                    long peakRssBytes, boolean visionCached, int prefixCachedTokens, double ttftSeconds) {
    /**
     * Seconds per stage. The video side's stages run on up to three threads at once (decoding, preprocessing, the
     * vision tower), so each figure is the time spent in that stage's own work, on its own thread, and
     * {@code overlapped} is how much of their sum ran at the same time as another stage.
     *
     * @param decodeVideo the decoding thread's time in the video decoder (not its waits for room in the queue), after
     *                    the time to hash the video file when the features are looked up by its content; on a cache hit
     *                    by content only that hashing (nothing is decoded); for frames decoded before the request, the
     *                    caller's decode time
     * @param preprocess  the cache lookup (with hashing the frames when they are the key), and the preprocessing thread's
     *                    time resizing and normalising (not its waits for frames or for the vision tower)
     * @param vision      the SigLIP tower: the caller's time in the vision loop less its waits for pixels and less
     *                    {@code projectPool}; 0 when the features were cached
     * @param projectPool the projector and pooling
     * @param compress    the pre-LLM compression
     * @param prefill     the LLM prefill (with restoring a cached prefix)
     * @param generate    the decode loop
     * @param overlapped  the stages' sum less the video side's wall time: the decoding and preprocessing hidden behind
     *                    the vision tower (0 when nothing ran in parallel)
     */
    public record Seconds(double decodeVideo, double preprocess, double vision, double projectPool, double compress, double prefill,
                          double generate, double overlapped) {
        /** The wall time: the stages' sum less their overlap. */
        public double total() {
            return decodeVideo + preprocess + vision + projectPool + compress + prefill + generate - overlapped;
        }
    }

    /** Decode speed: tokens after the first, per second of the decode loop. */
    public double tokensPerSecond() {
        return generatedTokens > 1 && seconds.generate() > 0 ? (generatedTokens - 1) / seconds.generate() : 0;
    }

    /** One line for a terminal. */
    public String line() {
        return String.format(java.util.Locale.ROOT,
                "%s | frames %d | visual tokens %d -> %d (attended %.1f) | prompt %d tok | decode %.2fs preprocess %.2fs vision %.2fs project+pool %.2fs (overlapped %.2fs) compress %.3fs prefill %.2fs generate %.2fs | %.1f tok/s | %.3g TFLOP | KV cache %s | peak RSS %s | TTFT %.3fs%s",
                method, frames, visualTokens, visualKept, visualAttended, promptTokens, seconds.decodeVideo(), seconds.preprocess(),
                seconds.vision(), seconds.projectPool(), seconds.overlapped(), seconds.compress(), seconds.prefill(), seconds.generate(), tokensPerSecond(), flopsLlm / 1e12,
                Bytes.human(kvCacheBytes) + (kvPrunedBytes > 0 ? " + " + Bytes.human(kvPrunedBytes) + " compact" : ""),
                peakRssBytes < 0 ? "n/a" : Bytes.human(peakRssBytes), ttftSeconds,
                (visionCached ? " | vision cached" : "") + (prefixCachedTokens > 0 ? " | prefix " + prefixCachedTokens + " tok cached" : ""));
    }
}
