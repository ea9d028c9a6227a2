package dev.dycoke4j.pipeline;

/**
 * What one request cost.
 *
 * @param frames          frames given to the vision tower
 * @param visualTokens    pooled visual tokens, without the newline token
 * @param promptTokens    tokens prefilled (text and video positions)
 * @param generatedTokens tokens generated, the stop token included
 * @param seconds         wall time per stage
 * @param kvCacheBytes    bytes held by the KV cache at the end
 * @param peakRssBytes    the process's peak resident memory so far (VmHWM), or -1 where unknown
 */
public record Stats(int frames, int visualTokens, int promptTokens, int generatedTokens, Seconds seconds,
                    long kvCacheBytes, long peakRssBytes) {
    /** Wall time per stage, in seconds. */
    public record Seconds(double decodeVideo, double preprocess, double vision, double prefill, double generate) {
        public double total() {
            return decodeVideo + preprocess + vision + prefill + generate;
        }
    }

    /** Decode speed: tokens after the first, per second of the decode loop. */
    public double tokensPerSecond() {
        return generatedTokens > 1 && seconds.generate() > 0 ? (generatedTokens - 1) / seconds.generate() : 0;
    }

    /** One line for a terminal. */
    public String line() {
        return String.format(java.util.Locale.ROOT,
                "frames %d | visual tokens %d | prompt %d tok | decode %.2fs preprocess %.2fs vision %.2fs prefill %.2fs generate %.2fs | %.1f tok/s | KV cache %s | peak RSS %s",
                frames, visualTokens, promptTokens, seconds.decodeVideo(), seconds.preprocess(), seconds.vision(),
                seconds.prefill(), seconds.generate(), tokensPerSecond(), Bytes.human(kvCacheBytes),
                peakRssBytes < 0 ? "n/a" : Bytes.human(peakRssBytes));
    }
}
