package dev.dycoke4j.llm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The token loop, one step at a time: prefill the prompt's embeddings (in chunks, each continuing at the cache's
 * length), then choose a token (sampled, or given for teacher forcing), feed it back, and stop at a stop id, after
 * {@code maxNewTokens}, or when the cache is full. The stop token itself is kept as the last token, as HF generate
 * does. {@link #run} is the whole loop at once. Owns its cache's future: nothing else may write to it meanwhile.
 */
public final class Generator {
    /** Sees every step: the logits the token was sampled from (valid until the step's feed), then the token. */
    public interface Listener {
        default void prefilled(float[] logits, int rows, double seconds) {
        }

        void token(int id, float[] logits, int step);
    }

    /** Tokens generated, and the seconds spent in prefill and in the decode steps. */
    public record Result(int[] tokens, double prefillSeconds, double decodeSeconds, boolean stopped) {
    }

    private final Qwen2Decoder dec;
    private final KvCache cache;
    /** The prompt rows not yet prefilled; null once every row is in the cache, so that a decoding loop does not hold them. */
    private float[] prompt;
    private final int promptRows;
    private final Sampler sampler;
    private final int maxNewTokens;
    private final Set<Integer> stopIds;
    private final AttentionHook hook;
    private final PrefillHook prefillHook;
    /** The prompt rows' rotary positions; null: consecutive after the cache's. */
    private final Positions promptPositions;
    private final int[] out;
    private int prefilled, n;
    private boolean stopped, full, unfed;
    /** The next-token logits {@code [vocab]}: those of the prompt's last row, then of the last token fed. */
    private float[] next;
    /** A batch's logits {@code [B, vocab]}, per thread that runs batches: reused, as the loops' own arrays are. */
    private static final ThreadLocal<float[]> BATCH_LOGITS = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * A loop over {@code rows} prompt rows {@code prompt [rows, d]} that follow the {@code cache.length()} positions
     * the cache already holds (a restored prefix, say); {@code prompt} is consumed when it goes in one chunk.
     *
     * @param hook        applied at every decode step (never at the prefill); may be null
     * @param prefillHook applied at the prefill (FastV), which then runs in one chunk; may be null
     */
    public Generator(Qwen2Decoder dec, KvCache cache, float[] prompt, int rows, Sampler sampler, int maxNewTokens,
                     Set<Integer> stopIds, AttentionHook hook, PrefillHook prefillHook) {
        this(dec, cache, prompt, null, rows, sampler, maxNewTokens, stopIds, hook, prefillHook);
    }

    /**
     * As above, with the prompt rows' rotary positions ({@code promptPositions.count()} rows; null: consecutive after
     * the cache's next position): Qwen2.5-VL's M-RoPE positions, or pruned rows' original ones. Generated tokens
     * follow the largest prompt position.
     */
    public Generator(Qwen2Decoder dec, KvCache cache, float[] prompt, Positions promptPositions, Sampler sampler, int maxNewTokens,
                     Set<Integer> stopIds, AttentionHook hook, PrefillHook prefillHook) {
        this(dec, cache, prompt, promptPositions, promptPositions.count(), sampler, maxNewTokens, stopIds, hook, prefillHook);
    }

    private Generator(Qwen2Decoder dec, KvCache cache, float[] prompt, Positions promptPositions, int rows, Sampler sampler,
                      int maxNewTokens, Set<Integer> stopIds, AttentionHook hook, PrefillHook prefillHook) {
        if (rows < 1) throw new IllegalArgumentException("the prompt must have at least one row, got " + rows);
        if (maxNewTokens < 1) throw new IllegalArgumentException("max new tokens must be at least 1, got " + maxNewTokens);
        if (prompt.length < (long) rows * dec.config().hiddenSize())
            throw new IllegalArgumentException(prompt.length + " floats hold fewer than " + rows + " prompt rows");
        this.dec = dec;
        this.cache = cache;
        this.prompt = prompt;
        this.promptRows = rows;
        this.sampler = sampler;
        this.maxNewTokens = maxNewTokens;
        this.stopIds = stopIds;
        this.hook = hook;
        this.prefillHook = prefillHook;
        this.promptPositions = promptPositions;
        this.out = new int[maxNewTokens];
    }

    /**
     * Prefills up to {@code maxRows} more prompt rows (all that remain when a prefill hook is set: it must see the whole
     * prompt) and returns their logits: every row's {@code [rows, vocab]} when {@code allLogits}, else the last row's
     * (fewer rows when the prefill hook dropped some). When this finishes the prompt, {@link #logits} holds the first
     * token's distribution.
     */
    public float[] prefill(int maxRows, boolean allLogits) {
        if (maxRows < 1) throw new IllegalArgumentException("a prefill chunk must be at least 1 token, got " + maxRows);
        if (prefillDone()) throw new IllegalStateException("the prompt is already prefilled");
        int d = dec.config().hiddenSize(), vocab = dec.config().vocabSize();
        int T = prefillHook != null ? promptRows - prefilled : Math.min(maxRows, promptRows - prefilled);
        float[] x = prefilled == 0 && T == promptRows && prompt.length == T * d ? prompt : Arrays.copyOfRange(prompt, prefilled * d, (prefilled + T) * d);
        float[] logits = promptPositions == null ? dec.forward(x, T, cache, allLogits ? T : 1, null, prefillHook)
                : dec.forward(x, promptPositions.slice(prefilled, prefilled + T), cache, allLogits ? T : 1, null, prefillHook);
        prefilled += T;
        if (prefillDone()) {
            prompt = null;
            int rows = logits.length / vocab;
            next = Arrays.copyOfRange(logits, (rows - 1) * vocab, rows * vocab);
        }
        return logits;
    }

    /** Whether every prompt row is in the cache. */
    public boolean prefillDone() {
        return prefilled == promptRows;
    }

    /** Prompt rows prefilled so far (not counting what the cache held before). */
    public int prefilled() {
        return prefilled;
    }

    /** Samples the next token from {@link #logits}, then feeds it back unless that ends the loop; returns it. */
    public int next() {
        int id = choose();
        feed();
        return id;
    }

    /** As {@link #next}, with {@code token} instead of a sampled one (teacher forcing). */
    public int next(int token) {
        int id = choose(token);
        feed();
        return id;
    }

    /**
     * Samples the next token from {@link #logits} and returns it, without running it yet: {@link #feed} does (the split
     * lets a caller hand the token on before the decode step, or run several loops' steps together).
     */
    public int choose() {
        checkChoose();
        return chosen(sampler.sample(next, 0, next.length));
    }

    /** As {@link #choose}, with {@code token} instead of a sampled one (teacher forcing). */
    public int choose(int token) {
        checkChoose();
        return chosen(token);
    }

    private void checkChoose() {
        if (!prefillDone()) throw new IllegalStateException("the prompt is not prefilled yet");
        if (done()) throw new IllegalStateException("generation is over");
        if (unfed) throw new IllegalStateException("the token chosen last is not fed yet");
    }

    private int chosen(int id) {
        out[n++] = id;
        if (stopIds.contains(id)) stopped = true;
        else if (cache.length() >= cache.maxTokens()) full = true;
        unfed = !done();
        return id;
    }

    /** Runs the decode step of the token chosen last, which gives the next {@link #logits}; nothing when the loop is over. */
    public void feed() {
        feed(List.of(this));
    }

    /**
     * {@link #feed} for several loops over the same decoder as one batch ({@link Qwen2Decoder#decode}): each linear
     * layer reads its weights once for all their tokens. Loops that are over are left out.
     *
     * @throws IllegalArgumentException when the loops run on different decoders
     * @throws IllegalStateException    when a loop that is not over has no token chosen
     */
    public static void feed(List<Generator> loops) {
        List<Generator> run = new ArrayList<>(loops.size());
        for (Generator g : loops) {
            if (g.dec != loops.getFirst().dec) throw new IllegalArgumentException("loops on different decoders cannot step as one batch");
            if (g.unfed) run.add(g);
            else if (!g.done()) throw new IllegalStateException("no token chosen to feed");
        }
        if (run.isEmpty()) return;
        int B = run.size();
        int[] tokens = new int[B];
        KvCache[] caches = new KvCache[B];
        AttentionHook[] hooks = new AttentionHook[B];
        for (int b = 0; b < B; b++) {
            Generator g = run.get(b);
            tokens[b] = g.out[g.n - 1];
            caches[b] = g.cache;
            hooks[b] = g.hook;
        }
        Qwen2Decoder dec = run.getFirst().dec;
        int vocab = dec.config().vocabSize();
        int[] positions = new int[B];
        for (int b = 0; b < B; b++) positions[b] = caches[b].nextPosition();
        // one loop writes its own array; a batch writes this thread's buffer, then each row goes to its loop's array
        float[] all = B == 1 ? run.getFirst().nextBuffer(vocab) : batchBuffer(B * vocab);
        dec.decode(dec.embed(tokens), caches, hooks, positions, all);
        for (int b = 0; b < B; b++) {
            Generator g = run.get(b);
            g.unfed = false;
            if (B > 1) System.arraycopy(all, b * vocab, g.nextBuffer(vocab), 0, vocab);
        }
    }

    /** This thread's buffer for a batch's logits, at least {@code floats} long. */
    private static float[] batchBuffer(int floats) {
        float[] all = BATCH_LOGITS.get();
        if (all.length < floats) BATCH_LOGITS.set(all = new float[floats]);
        return all;
    }

    /**
     * The array the next logits go into: the loop's own, reused from step to step, so that a decode step allocates
     * nothing of the vocabulary's size (see {@link #logits}).
     */
    private float[] nextBuffer(int vocab) {
        if (next == null || next.length != vocab) next = new float[vocab];
        return next;
    }

    /** Whether the loop is over: a stop token, {@code maxNewTokens} tokens, or a full cache. */
    public boolean done() {
        return stopped || full || n == maxNewTokens;
    }

    /** Whether the loop ended at a stop token. */
    public boolean stopped() {
        return stopped;
    }

    /**
     * The distribution of the next token (or of the last one, once done); not to be modified, and overwritten in place
     * by the next {@link #feed}: copy it to keep it.
     */
    public float[] logits() {
        if (next == null) throw new IllegalStateException("the prompt is not prefilled yet");
        return next;
    }

    /** The tokens chosen so far. */
    public int[] tokens() {
        return Arrays.copyOf(out, n);
    }

    public int count() {
        return n;
    }

    public KvCache cache() {
        return cache;
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

    /** As above, with a prefill hook (FastV) too; the prompt is prefilled in one chunk. */
    public static Result run(Qwen2Decoder dec, KvCache cache, float[] x, int T, Sampler sampler, int maxNewTokens,
                             Set<Integer> stopIds, boolean allLogits, Listener listener, AttentionHook hook, PrefillHook prefillHook) {
        Generator g = new Generator(dec, cache, x, T, sampler, maxNewTokens, stopIds, hook, prefillHook);
        int vocab = dec.config().vocabSize();
        long t0 = System.nanoTime();
        float[] logits = g.prefill(T, allLogits);
        double prefill = (System.nanoTime() - t0) / 1e9;
        if (listener != null) listener.prefilled(logits, logits.length / vocab, prefill);
        long t1 = System.nanoTime();
        while (!g.done()) {
            float[] from = g.logits();
            int id = g.choose();
            if (listener != null) listener.token(id, from, g.count() - 1);
            g.feed();
        }
        double decode = (System.nanoTime() - t1) / 1e9;
        return new Result(g.tokens(), prefill, decode, g.stopped());
    }
}
