package dev.dycoke4j.pipeline;

import dev.dycoke4j.cache.TieredCache;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.llm.Generator;
import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.llm.KvSnapshot;
import dev.dycoke4j.llm.Positions;
import dev.dycoke4j.platform.Bytes;
import dev.dycoke4j.tokenizer.StreamDecoder;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * One answer being generated, from {@link AnswerStage#start}: it owns its KV cache, sampler, the method's in-LLM
 * state (DyCoke's DP, FastV), its stream decoder, text, tokens and what they cost. {@link #prefill} advances the
 * prompt a chunk at a time (a chunked prefill gives the one-shot prefill's tokens); {@link #step} then decodes one
 * token at a time until {@link #done}; {@link #answer} is the result. A sequence whose step fails inside a batch
 * ({@link AnswerStage#step}) ends there, {@link #failure} saying why, and the batch goes on without it. Not thread-safe.
 */
public final class Sequence {
    /** Where a prefix snapshot goes once the prompt is prefilled: {@code tokens} positions under {@code key}. */
    record Prefix(TieredCache<KvSnapshot> cache, String key, int tokens) {
    }

    private final AnswerStage stage;
    /** The video the question is about, or null for a conversation without one. */
    private final CompressedVideo video;
    private final int[] prompt;
    /** The prompt rows' rotary positions, or null when consecutive. */
    private final Positions positions;
    private final Generator g;
    private final MethodHooks hooks;
    /** The method's decode hook as the generator runs it, its failure kept (null: no hook). */
    private final IsolatedHook decodeHook;
    private final int reused;
    private Prefix prefix;
    private final StreamDecoder sd;
    private final StringBuilder text = new StringBuilder();
    private final Consumer<String> out;
    private IntConsumer tokens;
    private final Trace trace;
    private final List<float[]> traceLogits;
    private final long tStart;
    private long firstToken, prefillNanos, decodeNanos;
    private final double restore;
    private Answer answer;
    private RuntimeException failure;

    Sequence(AnswerStage stage, CompressedVideo video, int[] prompt, Positions positions, Generator g, MethodHooks hooks, IsolatedHook decodeHook,
             int reused, Prefix prefix, Consumer<String> out, Trace trace, long tStart, double restore) {
        this.stage = stage;
        this.video = video;
        this.prompt = prompt;
        this.positions = positions;
        this.g = g;
        this.hooks = hooks;
        this.decodeHook = decodeHook;
        this.reused = reused;
        this.prefix = prefix;
        this.sd = stage.tokenizer().streamDecoder();
        this.out = out;
        this.trace = trace;
        this.traceLogits = trace != null ? new ArrayList<>() : null;
        this.tStart = tStart;
        this.restore = restore;
    }

    AnswerStage stage() {
        return stage;
    }

    /**
     * Prefills up to {@code maxTokens} more prompt tokens, continuing where the last chunk (or a restored prefix)
     * ended; returns whether the whole prompt is in the cache (true at once when it already was). With FastV, which
     * ranks the visual tokens by the last prompt token's attention and so must see the whole prompt, the rest of the
     * prompt goes in one chunk whatever {@code maxTokens} says.
     */
    public boolean prefill(int maxTokens) {
        if (g.prefillDone()) return true;
        long t0 = System.nanoTime();
        float[] logits = g.prefill(maxTokens, trace != null);
        prefillNanos += System.nanoTime() - t0;
        if (traceLogits != null) traceLogits.add(logits);
        return g.prefillDone();
    }

    /** Whether the whole prompt is in the cache. */
    public boolean prefillDone() {
        return g.prefillDone();
    }

    /** Prompt tokens in the cache: those restored from the prefix cache and those prefilled. */
    public int prefilledTokens() {
        return reused + g.prefilled();
    }

    /** The prompt's ids, with the video token once per video position. */
    public int[] prompt() {
        return prompt.clone();
    }

    /** Every prompt row's rotary position as the model family placed it, or null when they are consecutive (1D RoPE). */
    public Positions positions() {
        return positions;
    }

    /**
     * Samples the next token, streams its text, and runs it through the model (unless that ends the answer); returns it.
     * What the method's decode hook throws is thrown here (and the sequence has {@link #failure}).
     */
    public int step() {
        int id = choose(-1);
        feed();
        if (failure != null) throw failure;
        return id;
    }

    /** As {@link #step}, with {@code token} instead of a sampled one (teacher forcing). */
    public int force(int token) {
        if (token < 0) throw new IllegalArgumentException("token id " + token + " is negative");
        int id = choose(token);
        feed();
        if (failure != null) throw failure;
        return id;
    }

    /**
     * Tells {@code listener} how many tokens there are each time one is chosen (the stop token too), after its text
     * went to the text consumer and before its decode step runs: for a client that follows the answer token by token,
     * whether a token completes any text or not (a piece of a character's bytes does not).
     */
    public void onToken(IntConsumer listener) {
        this.tokens = listener;
    }

    /** What ended this sequence in a step that failed (its method's decode hook, its text consumer), or null. */
    public RuntimeException failure() {
        return failure;
    }

    /** Ends this sequence with {@code e}: it is {@link #done} and has no answer. */
    void fail(RuntimeException e) {
        if (failure == null) failure = e;
    }

    /** Chooses the next token ({@code forced}, or sampled when negative) and streams its text. */
    int choose(int forced) {
        if (!g.prefillDone()) throw new IllegalStateException("the prompt is not prefilled yet");
        if (failure != null) throw new IllegalStateException("the sequence failed: " + failure, failure);
        long t0 = System.nanoTime();
        if (traceLogits != null && g.count() > 0) traceLogits.add(g.logits().clone());
        int id = forced >= 0 ? g.choose(forced) : g.choose();
        if (g.count() == 1) firstToken = System.nanoTime();
        if (!stage.stopIds().contains(id) && id < stage.tokenizer().vocabSize()) {
            String piece = sd.push(id);
            text.append(piece);
            if (out != null && !piece.isEmpty()) out.accept(piece);
        }
        if (tokens != null) tokens.accept(g.count());
        // before the first decode step changes the cache (DP's compact store quantizes entries)
        if (prefix != null) {
            if (prefix.tokens() > 0) prefix.cache().put(prefix.key(), KvSnapshot.capture(g.cache(), prompt, prefix.tokens()));
            prefix = null;
        }
        decodeNanos += System.nanoTime() - t0;
        return id;
    }

    /** Runs the token chosen last through the model. */
    void feed() {
        feed(List.of(this));
    }

    /**
     * Runs the tokens the sequences chose last through the model as one batch ({@link Generator#feed(List)}); each
     * sequence run counts the whole step in its decode time, the time its token took. Those done need no step. A
     * sequence whose decode hook failed during the step is marked {@link #failure} after it.
     */
    static void feed(List<Sequence> batch) {
        List<Sequence> run = batch.stream().filter(s -> !s.done()).toList();
        long t0 = System.nanoTime();
        Generator.feed(run.stream().map(s -> s.g).toList());
        long took = System.nanoTime() - t0;
        for (Sequence s : run) {
            s.decodeNanos += took;
            if (s.decodeHook != null && s.decodeHook.failure() != null) s.fail(s.decodeHook.failure());
        }
    }

    /** Whether the sequence is over: its answer is complete (a stop token, the token limit, or a full context), or it failed. */
    public boolean done() {
        return failure != null || g.done();
    }

    /** The next token's logits {@code [vocab]} (those of the last token once done), a copy. */
    public float[] logits() {
        return g.logits().clone();
    }

    /** The tokens so far, the stop token included. */
    public int[] tokens() {
        return g.tokens();
    }

    /** The text so far (without what the stream decoder still holds back). */
    public String text() {
        return text.toString();
    }

    KvCache cache() {
        return g.cache();
    }

    /** The bytes of KV entries this sequence holds now: its cache's live rows, float and compact. */
    public long kvBytes() {
        return g.cache().bytes() + g.cache().prunedBytes();
    }

    /** Prefills what remains of the prompt in one chunk, decodes until done, and returns the answer. */
    public Answer complete() {
        prefill(Integer.MAX_VALUE);
        while (!done()) step();
        return answer();
    }

    /**
     * The answer, once {@link #done}: text, tokens and what they cost.
     *
     * @throws IllegalStateException when the sequence failed ({@link #failure} is the cause)
     */
    public Answer answer() {
        if (failure != null) throw new IllegalStateException("the sequence failed: " + failure, failure);
        if (!done()) throw new IllegalStateException("the answer is not complete: " + g.count() + " tokens so far");
        if (answer != null) return answer;
        String rest = sd.flush();
        text.append(rest);
        if (out != null && !rest.isEmpty()) out.accept(rest);
        int[] tokens = g.tokens();
        if (trace != null) {
            int vocab = stage.model().text().vocabSize();
            int rows = 0;
            for (float[] l : traceLogits) rows += l.length / vocab;
            float[] logits = new float[rows * vocab];
            int at = 0;
            for (float[] l : traceLogits) {
                System.arraycopy(l, 0, logits, at, l.length);
                at += l.length;
            }
            trace.floats("logits", logits, rows, vocab);
            trace.ids("input_ids", prompt);
            trace.ids("generated_ids", tokens);
        }
        var c = stage.model().text();
        KvCache cache = g.cache();
        Stats stats;
        if (video == null) { // a conversation without a video
            var seconds = new Stats.Seconds(0, 0, 0, 0, 0, restore + prefillNanos / 1e9, decodeNanos / 1e9, 0);
            stats = new Stats(MethodHooks.id(CompressionMethods.none()), 0, 0, 0, 0, prompt.length, tokens.length, seconds, cache.bytes(),
                    cache.prunedBytes(), hooks.prefillFlops(c, prompt.length, 0), Bytes.peakRss(), false, reused, (firstToken - tStart) / 1e9);
        } else {
            int kept = video.kept().count();
            EncodedVideo e = video.encoded();
            var seconds = new Stats.Seconds(e.decode(), e.preprocess(), e.vision(), e.projectPool(), video.compress(),
                    restore + prefillNanos / 1e9, decodeNanos / 1e9, e.overlapped());
            double ttft = video.seconds() + (firstToken - tStart) / 1e9;
            stats = new Stats(MethodHooks.id(video.compression()), video.frames(), video.all().count(), kept, hooks.attended(kept),
                    prompt.length, tokens.length, seconds, cache.bytes(), cache.prunedBytes(), hooks.prefillFlops(c, prompt.length, kept),
                    Bytes.peakRss(), video.visionCached(), reused, ttft);
        }
        answer = new Answer(text.toString(), tokens, stats);
        return answer;
    }
}
