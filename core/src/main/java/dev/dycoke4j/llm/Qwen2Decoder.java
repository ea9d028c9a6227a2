package dev.dycoke4j.llm;

import dev.dycoke4j.io.LlavaConfig;
import dev.dycoke4j.io.LlavaConfig.TextConfig;
import dev.dycoke4j.io.ModelFormatException;
import dev.dycoke4j.kernel.Norms;
import dev.dycoke4j.kernel.Rope;
import dev.dycoke4j.kernel.Linear;
import dev.dycoke4j.tensor.Tensor;
import dev.dycoke4j.io.Weights;

import java.util.Arrays;

/**
 * The Qwen2 language model: token embeddings, decoder blocks, final RMSNorm and the (possibly tied) LM head. It is the
 * language model of LLaVA-OneVision (1D RoPE) and of Qwen2.5-VL (M-RoPE); {@link DecoderLayout} says which. Loaded
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
        this(w, cfg.text(), DecoderLayout.llavaOneVision(cfg), kvPrecision);
    }

    /** The decoder {@code c} describes, its weights where {@code layout} says, 1D or M-RoPE as it says. */
    public Qwen2Decoder(Weights w, TextConfig c, DecoderLayout layout, KvCache.Precision kvPrecision) {
        this.c = c;
        this.kvPrecision = kvPrecision;
        int d = c.hiddenSize();
        String p = layout.prefix();
        embed = w.matrix(p + "embed_tokens.weight", c.vocabSize(), d);
        layers = new Qwen2Layer[c.numLayers()];
        for (int i = 0; i < layers.length; i++) layers[i] = new Qwen2Layer(w, c, p, i);
        norm = w.vector(p + "norm.weight", d);
        String headName = layout.head() + ".weight";
        if (w.checkpoint().has(headName)) head = w.llmLinear(layout.head(), c.vocabSize(), d, false);
        else if (layout.tied()) head = new Linear(embed, w.q8(embed), null); // lookups stay as stored
        else throw new ModelFormatException(w.checkpoint().dir() + ": missing tensor '" + headName + "' (and tie_word_embeddings is false)");
        rope = new Rope(c.headDim(), c.ropeTheta(), layout.mropeSection());
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
     * The input embeddings of a prompt whose {@code mediaTokenId} rows are {@code media}'s rows in order (a video's
     * features, the placeholder id standing for each): the other rows are token embeddings.
     *
     * @throws IllegalArgumentException if the placeholders and the media rows differ in number
     */
    public float[] embed(int[] ids, int mediaTokenId, float[] media) {
        int d = c.hiddenSize(), count = 0;
        for (int id : ids) if (id == mediaTokenId) count++;
        int rows = media == null ? 0 : media.length / d;
        if (count != rows || (media != null && media.length % d != 0))
            throw new IllegalArgumentException("the prompt has " + count + " media positions but " + (media == null ? 0 : media.length) + " floats of media give " + rows + " rows of " + d);
        int[] text = ids.clone();
        for (int i = 0; i < text.length; i++) if (text[i] == mediaTokenId) text[i] = 0;
        float[] x = embed(text);
        for (int t = 0, r = 0; t < ids.length; t++)
            if (ids[t] == mediaTokenId) System.arraycopy(media, (r++) * d, x, t * d, d);
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
     * As above, and with a prefill hook (FastV, HoliTom's merge) that drops rows after its layer when T &gt; 1. The
     * logits are those of the last {@code logitRows} rows that reach the top (fewer when the prefill hook dropped some).
     * A single token is the decode step of a batch of one ({@link #decode}). The rows take consecutive positions from
     * the cache's {@link KvCache#nextPosition()}.
     */
    public float[] forward(float[] x, int T, KvCache cache, int logitRows, AttentionHook hook, PrefillHook prefill) {
        return forward(x, Positions.consecutive(cache.nextPosition(), T), cache, logitRows, hook, prefill);
    }

    /**
     * As above, with each row's rotary position given ({@code positions.count()} rows): M-RoPE triples for Qwen2.5-VL,
     * or 1D positions with gaps for a method that keeps pruned rows' original positions. The rows a prefill hook keeps
     * keep their positions. Afterwards the cache's next position is one past the largest position given (transformers'
     * {@code rope_deltas}), so decoding continues from there.
     */
    public float[] forward(float[] x, Positions positions, KvCache cache, int logitRows, AttentionHook hook, PrefillHook prefill) {
        int T = positions.count();
        if (T == 1 && logitRows == 1 && positions.isFlat())
            return decode(x, new KvCache[]{cache}, new AttentionHook[]{hook}, new int[]{positions.t(0)})[0];
        checkPositions(positions);
        int d = c.hiddenSize();
        var buffers = new Qwen2Layer.Buffers(c, T); // for every layer; rows a prefill hook drops leave part unused
        if (prefill != null && T > 1) {
            int at = checkLayer(prefill.layer(), "prefill hook");
            int first = cache.length();
            float[] probs = new float[cache.length(at) + T];
            for (int i = 0; i <= at; i++) layers[i].forward(x, rope, buffers, new Qwen2Layer.Rows(cache, T, positions, null, i == at ? probs : null));
            int[] keep = prefill.keep(probs, x, T, d);
            if (keep.length == 0 || keep[keep.length - 1] != T - 1)
                throw new IllegalStateException("a prefill hook must keep the last row");
            int[] dropped = dropped(keep, T, first);
            for (int i = at + 1; i < layers.length; i++) cache.omit(i, dropped);
            float[] kx = new float[keep.length * d];
            for (int r = 0; r < keep.length; r++) System.arraycopy(x, keep[r] * d, kx, r * d, d);
            Positions kept = positions.select(keep);
            x = kx;
            T = keep.length;
            for (int i = at + 1; i < layers.length; i++) layers[i].forward(x, rope, buffers, new Qwen2Layer.Rows(cache, T, kept, null, null));
            logitRows = Math.min(logitRows, T);
        } else {
            for (Qwen2Layer l : layers) l.forward(x, rope, buffers, new Qwen2Layer.Rows(cache, T, positions, null, null));
        }
        if (positions.count() > 0) cache.setPositionDelta(positions.max() + 1 - cache.length());
        return logits(x, T - logitRows, logitRows);
    }

    /** The tokens of rows {@code [0, T)} (from token {@code first} on) that are not among the ascending {@code keep}. */
    private static int[] dropped(int[] keep, int T, int first) {
        if (keep.length > T) throw new IllegalStateException("a prefill hook kept " + keep.length + " of " + T + " rows");
        int[] out = new int[T - keep.length];
        int n = 0, k = 0;
        for (int r = 0; r < T; r++) {
            if (k < keep.length && keep[k] == r) k++;
            else if (n < out.length) out[n++] = first + r;
            else break;
        }
        if (k != keep.length) throw new IllegalStateException("a prefill hook must keep ascending rows, each once");
        return out;
    }

    /** Triples on a 1D model would be rotated as if flat: refuse them rather than answer wrongly. */
    private void checkPositions(Positions p) {
        if (!rope.multimodal() && !p.isFlat())
            throw new IllegalArgumentException("this decoder uses 1D RoPE; it cannot take (t, h, w) positions with unequal axes");
    }

    /**
     * One decode step of B sequences at once: row b of {@code x [B, d]} is the input embedding of sequence b's new
     * token, which follows the {@code caches[b].length()} slots cached, at the cache's {@link KvCache#nextPosition()},
     * and is attended under {@code hooks[b]} (null: none). Each linear layer multiplies all B rows in one call, so the
     * weights are read once for the batch; RoPE, attention and the hooks are each sequence's own. Returns each
     * sequence's next-token logits {@code [vocab]}.
     */
    public float[][] decode(float[] x, KvCache[] caches, AttentionHook[] hooks) {
        int[] positions = new int[caches.length];
        for (int b = 0; b < caches.length; b++) positions[b] = caches[b].nextPosition();
        return decode(x, caches, hooks, positions);
    }

    /**
     * As above, with each sequence's new token at the 1D rotary position {@code positions[b]} (the same on M-RoPE's
     * three axes, as every generated token is); each cache's next position then follows it.
     */
    public float[][] decode(float[] x, KvCache[] caches, AttentionHook[] hooks, int[] positions) {
        int B = caches.length, vocab = c.vocabSize();
        float[] logits = new float[B * vocab];
        decode(x, caches, hooks, positions, logits);
        if (B == 1) return new float[][]{logits};
        float[][] each = new float[B][];
        for (int b = 0; b < B; b++) each[b] = Arrays.copyOfRange(logits, b * vocab, (b + 1) * vocab);
        return each;
    }

    /**
     * As above, with the sequences' logits written to {@code logits [B, vocab]} (row b for sequence b) instead of new
     * arrays: a server's decode loop reuses one buffer, since a batch's logits are megabytes at each step (152k
     * floats a row), which a collector that sends such arrays straight to the old generation would otherwise have to
     * reclaim there by full collections.
     */
    public void decode(float[] x, KvCache[] caches, AttentionHook[] hooks, int[] positions, float[] logits) {
        int B = caches.length, d = c.hiddenSize();
        if (logits.length < (long) B * c.vocabSize())
            throw new IllegalArgumentException(logits.length + " floats hold fewer than " + B + " rows of logits");
        if (hooks.length != B || positions.length != B || x.length < B * d)
            throw new IllegalArgumentException(B + " caches, " + hooks.length + " hooks, " + positions.length + " positions and "
                    + x.length / d + " rows of input: one each per sequence");
        int[] probe = new int[B];
        Positions[] pos = new Positions[B];
        int[][] active = new int[B][];
        float[][] probs = new float[B][];
        for (int b = 0; b < B; b++) {
            pos[b] = Positions.consecutive(positions[b], 1);
            probe[b] = hooks[b] == null ? -1 : checkLayer(hooks[b].probeLayer(), "attention hook");
            if (hooks[b] != null) probs[b] = new float[caches[b].length(probe[b]) + 1];
        }
        Qwen2Layer.Rows[] rows = new Qwen2Layer.Rows[B];
        var buffers = new Qwen2Layer.Buffers(c, B);
        for (int i = 0; i < layers.length; i++) {
            for (int b = 0; b < B; b++)
                rows[b] = new Qwen2Layer.Rows(caches[b], 1, pos[b], hooks[b] != null && i > probe[b] ? hooks[b].activeAt(i, active[b]) : null, i == probe[b] ? probs[b] : null);
            layers[i].forward(x, rope, buffers, rows);
            for (int b = 0; b < B; b++)
                if (i == probe[b]) {
                    active[b] = hooks[b].select(probs[b], probs[b].length, caches[b]);
                    hooks[b].afterSelect(caches[b], active[b]);
                }
        }
        for (int b = 0; b < B; b++) caches[b].setPositionDelta(positions[b] + 1 - caches[b].length());
        logits(x, 0, B, logits);
    }

    /** The final norm and the LM head over rows {@code [first, first + n)} of x: {@code [n, vocab]}. */
    private float[] logits(float[] x, int first, int n) {
        float[] out = new float[n * c.vocabSize()];
        logits(x, first, n, out);
        return out;
    }

    /** As above, into {@code out}. */
    private void logits(float[] x, int first, int n, float[] out) {
        int d = c.hiddenSize();
        float[] h = Arrays.copyOfRange(x, first * d, (first + n) * d);
        Norms.rmsNorm(h, norm, (float) c.rmsNormEps(), h, n, d);
        head.apply(h, n, out);
    }

    /** The last hidden state after every layer for the last position: for tests. */
    public float[] lastHiddenPerLayer(float[] x, int T, KvCache cache) {
        return lastHiddenPerLayer(x, Positions.consecutive(cache.nextPosition(), T), cache);
    }

    /** As above, at the given positions. */
    public float[] lastHiddenPerLayer(float[] x, Positions positions, KvCache cache) {
        checkPositions(positions);
        int d = c.hiddenSize(), T = positions.count();
        float[] out = new float[layers.length * d];
        var buffers = new Qwen2Layer.Buffers(c, T);
        for (int i = 0; i < layers.length; i++) {
            layers[i].forward(x, rope, buffers, new Qwen2Layer.Rows(cache, T, positions, null, null));
            System.arraycopy(x, (T - 1) * d, out, i * d, d);
        }
        return out;
    }
}
