package dev.dycoke4j.llm;

import java.util.Arrays;
import java.util.Set;

/**
 * The token loop: prefill the prompt's embeddings, then sample, feed back, and stop at a stop id or after
 * {@code maxNewTokens}. The stop token itself is returned as the last token, as HF generate does.
 */
public final class Generator {
    /** Sees every step: the logits the token was sampled from, then the token. */
    public interface Listener {
        default void prefilled(float[] logits, int rows, double seconds) {
        }

        void token(int id, float[] logits, int step);
    }

    /** Tokens generated, and the seconds spent in prefill and in the decode steps. */
    public record Result(int[] tokens, double prefillSeconds, double decodeSeconds, boolean stopped) {
    }

    private Generator() {
    }

    /**
     * @param x          input embeddings {@code [T, d]} of the prompt (consumed)
     * @param allLogits  whether the prefill computes logits for every position (trace) or only the last
     */
    public static Result run(Qwen2Decoder dec, KvCache cache, float[] x, int T, Sampler sampler, int maxNewTokens,
                             Set<Integer> stopIds, boolean allLogits, Listener listener) {
        return run(dec, cache, x, T, sampler, maxNewTokens, stopIds, allLogits, listener, null);
    }

    /** As above, with an attention hook applied at every decode step (never at the prefill). */
    public static Result run(Qwen2Decoder dec, KvCache cache, float[] x, int T, Sampler sampler, int maxNewTokens,
                             Set<Integer> stopIds, boolean allLogits, Listener listener, AttentionHook hook) {
        return run(dec, cache, x, T, sampler, maxNewTokens, stopIds, allLogits, listener, hook, null);
    }

    /** As above, with a prefill hook (FastV) too. */
    public static Result run(Qwen2Decoder dec, KvCache cache, float[] x, int T, Sampler sampler, int maxNewTokens,
                             Set<Integer> stopIds, boolean allLogits, Listener listener, AttentionHook hook, PrefillHook prefillHook) {
        int vocab = dec.config().vocabSize();
        long t0 = System.nanoTime();
        float[] logits = dec.forward(x, T, cache, allLogits ? T : 1, null, prefillHook);
        int rows = logits.length / vocab;
        double prefill = (System.nanoTime() - t0) / 1e9;
        if (listener != null) listener.prefilled(logits, rows, prefill);
        int[] out = new int[maxNewTokens];
        int n = 0;
        boolean stopped = false;
        float[] last = Arrays.copyOfRange(logits, (rows - 1) * vocab, rows * vocab);
        long t1 = System.nanoTime();
        while (n < maxNewTokens) {
            int id = sampler.sample(last, 0, vocab);
            out[n++] = id;
            if (listener != null) listener.token(id, last, n - 1);
            if (stopIds.contains(id)) {
                stopped = true;
                break;
            }
            if (n == maxNewTokens || cache.length() >= cache.maxTokens()) break;
            last = dec.forward(dec.embed(new int[]{id}), 1, cache, 1, hook);
        }
        double decode = (System.nanoTime() - t1) / 1e9;
        return new Result(Arrays.copyOf(out, n), prefill, decode, stopped);
    }
}
