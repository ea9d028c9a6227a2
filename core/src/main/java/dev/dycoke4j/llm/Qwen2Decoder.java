package dev.dycoke4j.llm;

import dev.dycoke4j.io.LlavaConfig;
import dev.dycoke4j.io.LlavaConfig.TextConfig;
import dev.dycoke4j.io.ModelFormatException;
import dev.dycoke4j.kernel.Norms;
import dev.dycoke4j.kernel.Rope;
import dev.dycoke4j.kernel.Linear;
import dev.dycoke4j.tensor.Tensor;
import dev.dycoke4j.io.Weights;

/**
 * The Qwen2 language model: token embeddings, decoder blocks, final RMSNorm and the (possibly tied) LM head. Loaded
 * with int8 weights, every linear layer and the head are int8; embedding lookups still read the stored rows (one row
 * per token, so quantizing them would save nothing), even when the head is tied to them.
 */
public final class Qwen2Decoder {
    private final TextConfig c;
    private final Tensor embed;
    private final Qwen2Layer[] layers;
    private final float[] norm;
    private final Linear head;
    private final Rope rope;
    private final KvCache.Precision kvPrecision;

    public Qwen2Decoder(Weights w, LlavaConfig cfg) {
        this(w, cfg, KvCache.Precision.F32);
    }

    /** With the dtype of the KV caches {@link #newCache} makes. */
    public Qwen2Decoder(Weights w, LlavaConfig cfg, KvCache.Precision kvPrecision) {
        this.c = cfg.text();
        this.kvPrecision = kvPrecision;
        int d = c.hiddenSize();
        embed = w.matrix("language_model.model.embed_tokens.weight", c.vocabSize(), d);
        layers = new Qwen2Layer[c.numLayers()];
        for (int i = 0; i < layers.length; i++) layers[i] = new Qwen2Layer(w, c, i);
        norm = w.vector("language_model.model.norm.weight", d);
        boolean hasHead = w.checkpoint().has("language_model.lm_head.weight");
        if (hasHead) head = w.llmLinear("language_model.lm_head", c.vocabSize(), d, false);
        else if (cfg.tieWordEmbeddings() || c.tieWordEmbeddings()) head = new Linear(embed, w.q8(embed), null); // lookups stay as stored
        else throw new ModelFormatException(w.checkpoint().dir() + ": missing tensor 'language_model.lm_head.weight' (and tie_word_embeddings is false)");
        rope = new Rope(c.headDim(), c.ropeTheta());
    }

    /** Weight bytes one decode step streams: every layer's linear layers and the LM head (norms and biases aside). */
    public long decodeWeightBytes() {
        long b = head.weightBytes();
        for (Qwen2Layer l : layers) b += l.weightBytes();
        return b;
    }

    public TextConfig config() {
        return c;
    }

    private int checkLayer(int layer, String what) {
        if (layer < 0 || layer >= layers.length - 1)
            throw new IllegalArgumentException("the " + what + " reads layer " + layer + ", outside 0.." + (layers.length - 2) + " of this " + layers.length + "-layer model");
        return layer;
    }

    public int numLayers() {
        return layers.length;
    }

    /** An empty KV cache for this model, in its KV dtype, sized for {@code expectedTokens} at first. */
    public KvCache newCache(int expectedTokens) {
        return new KvCache(c.numLayers(), c.numKvHeads(), c.headDim(), c.maxPositions(), expectedTokens, kvPrecision);
    }

    /** The dtype of the caches {@link #newCache} makes. */
    public KvCache.Precision kvPrecision() {
        return kvPrecision;
    }

    /** Embedding rows of {@code ids}: {@code [ids.length, d]}. */
    public float[] embed(int[] ids) {
        int d = c.hiddenSize();
        float[] x = new float[ids.length * d];
        for (int t = 0; t < ids.length; t++) {
            int id = ids[t];
            if (id < 0 || id >= c.vocabSize()) throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + c.vocabSize());
            long base = (long) id * d;
            for (int i = 0; i < d; i++) x[t * d + i] = embed.getFloat(base + i);
        }
        return x;
    }

    /**
     * Runs T new tokens (their input embeddings {@code x [T, d]}) after the {@code cache.length()} cached ones, and
     * returns the logits of the last {@code logitRows} of them ({@code [logitRows, vocab]}).
     */
    public float[] forward(float[] x, int T, KvCache cache, int logitRows) {
        return forward(x, T, cache, logitRows, null);
    }

    /** As above, with an attention hook for single-token decode steps (ignored when T &gt; 1 or null). */
    public float[] forward(float[] x, int T, KvCache cache, int logitRows, AttentionHook hook) {
        return forward(x, T, cache, logitRows, hook, null);
    }

    /**
     * As above, and with a prefill hook (FastV, HoliTom's merge) that drops rows after its layer when T &gt; 1. The logits are those of
     * the last {@code logitRows} rows that reach the top (fewer when the prefill hook dropped some).
     */
    public float[] forward(float[] x, int T, KvCache cache, int logitRows, AttentionHook hook, PrefillHook prefill) {
        int d = c.hiddenSize(), pos0 = cache.length();
        int[] positions = new int[T];
        for (int t = 0; t < T; t++) positions[t] = pos0 + t;
        if (hook != null && T == 1) {
            int probe = checkLayer(hook.probeLayer(), "attention hook");
            float[] probs = new float[cache.length(probe) + 1];
            int[] active = null;
            for (int i = 0; i < layers.length; i++) {
                layers[i].forward(x, 1, positions, cache, rope, i > probe ? active : null, i == probe ? probs : null);
                if (i == probe) {
                    active = hook.select(probs, probs.length);
                    hook.afterSelect(cache, active);
                }
            }
        } else if (prefill != null && T > 1) {
            int at = checkLayer(prefill.layer(), "prefill hook");
            float[] probs = new float[cache.length(at) + T];
            for (int i = 0; i <= at; i++) layers[i].forward(x, T, positions, cache, rope, null, i == at ? probs : null);
            int[] keep = prefill.keep(probs, x, T, d);
            if (keep.length == 0 || keep[keep.length - 1] != T - 1)
                throw new IllegalStateException("a prefill hook must keep the last row");
            float[] kx = new float[keep.length * d];
            int[] kp = new int[keep.length];
            for (int r = 0; r < keep.length; r++) {
                System.arraycopy(x, keep[r] * d, kx, r * d, d);
                kp[r] = positions[keep[r]];
            }
            x = kx;
            positions = kp;
            T = keep.length;
            for (int i = at + 1; i < layers.length; i++) layers[i].forward(x, T, positions, cache, rope, null, null);
            logitRows = Math.min(logitRows, T);
        } else {
            for (Qwen2Layer l : layers) l.forward(x, T, positions, cache, rope, null, null);
        }
        int first = T - logitRows;
        float[] h = new float[logitRows * d];
        System.arraycopy(x, first * d, h, 0, logitRows * d);
        Norms.rmsNorm(h, norm, (float) c.rmsNormEps(), h, logitRows, d);
        return head.apply(h, logitRows);
    }

    /** The last hidden state after every layer for the last position: for tests. */
    public float[] lastHiddenPerLayer(float[] x, int T, KvCache cache) {
        int d = c.hiddenSize(), pos0 = cache.length();
        int[] positions = new int[T];
        for (int t = 0; t < T; t++) positions[t] = pos0 + t;
        float[] out = new float[layers.length * d];
        for (int i = 0; i < layers.length; i++) {
            layers[i].forward(x, T, positions, cache, rope, null, null);
            System.arraycopy(x, (T - 1) * d, out, i * d, d);
        }
        return out;
    }
}
