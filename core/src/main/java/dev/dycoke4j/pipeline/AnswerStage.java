package dev.dycoke4j.pipeline;

import dev.dycoke4j.cache.CacheKey;
import dev.dycoke4j.cache.TieredCache;
import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.llm.Generator;
import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.llm.KvSnapshot;
import dev.dycoke4j.llm.Positions;
import dev.dycoke4j.llm.Sampler;
import dev.dycoke4j.tokenizer.ChatTemplate;
import dev.dycoke4j.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The language-model side: a question about a compressed video becomes a {@link Sequence} (its prompt, KV cache,
 * sampler and the method's in-LLM state), which is prefilled in chunks and decoded a token at a time. The prompt's
 * question-independent prefix (template and video) comes from the prefix cache when the video's features went
 * through the vision-feature cache. The model family lays out the prompt and gives its rows' rotary positions
 * ({@link VideoModel}); rows after a restored prefix take the positions they have in the whole prompt (for M-RoPE,
 * the question continues after the video's largest position). Not thread-safe.
 */
public final class AnswerStage {
    private final VideoModel model;
    private final Tokenizer tokenizer;
    private final Set<Integer> stopIds;
    private TieredCache<KvSnapshot> prefixCache;

    AnswerStage(VideoModel model, Tokenizer tokenizer, TieredCache<KvSnapshot> prefixCache) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.prefixCache = prefixCache;
        this.stopIds = model.stopIds(tokenizer);
    }

    /** Uses {@code c} as the prefix cache from now on. */
    public AnswerStage cache(TieredCache<KvSnapshot> c) {
        this.prefixCache = c;
        return this;
    }

    public TieredCache<KvSnapshot> cache() {
        return prefixCache;
    }

    public Set<Integer> stopIds() {
        return stopIds;
    }

    VideoModel model() {
        return model;
    }

    Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The prompt ids for a question about a video that takes {@code videoPositions} positions ({@link CompressedVideo#videoPositions}). */
    public int[] promptIds(String question, int videoPositions) {
        return model.promptIds(tokenizer, null, question, videoPositions);
    }

    /** A sequence answering {@code question} about {@code video} (the chat template around it). */
    public Sequence start(CompressedVideo video, String question, GenerationOptions opts) {
        return start(video, question, null, opts, null, null);
    }

    /**
     * As {@link #start(CompressedVideo, String, GenerationOptions)}, with a system turn before the question
     * ({@link ChatTemplate#videoPrompt(String, String)}; null: none), through the prefix cache as any templated
     * prompt; text is streamed to {@code out} (may be null).
     */
    public Sequence start(CompressedVideo video, String system, String question, GenerationOptions opts, Consumer<String> out) {
        return start(video, system, question, null, opts, out, null);
    }

    /**
     * A sequence answering about {@code video}: its prompt is {@code ids} when given (with the video token once per
     * video position), otherwise the chat template around {@code question}; it must leave room in the model's
     * context, and up to {@code opts.maxNewTokens()} tokens are generated as far as the context allows. Text is
     * streamed to {@code out} (may be null) as it is generated; the trace (may be null) gets the prompt's embeddings,
     * every logit row, and the ids. The prefix cache serves the sequence unless it has given ids or a trace, or its
     * method prefills depending on the question (FastV); when it misses, the sequence fills it once prefilled.
     *
     * @throws IllegalArgumentException when the prompt does not fit, or has no video token
     */
    public Sequence start(CompressedVideo video, String question, int[] ids, GenerationOptions opts, Consumer<String> out, Trace trace) {
        return start(video, null, question, ids, opts, out, trace);
    }

    private Sequence start(CompressedVideo video, String system, String question, int[] ids, GenerationOptions opts, Consumer<String> out, Trace trace) {
        long tStart = System.nanoTime();
        int n = video.videoPositions();
        int[] prompt = ids != null ? ids : model.promptIds(tokenizer, system, question, n);
        return start(video, prompt, ids == null ? model.prefixIds(tokenizer, system, n) : null, opts, out, trace, tStart);
    }

    /**
     * A sequence answering the conversation {@code messages} (the chat template around them), one of which holds
     * {@code video}; the prefix cache serves it as it serves {@link #start(CompressedVideo, String, GenerationOptions)}.
     *
     * @throws IllegalArgumentException when no message or several hold the video, or the prompt does not fit
     */
    public Sequence start(CompressedVideo video, List<ChatTemplate.Message> messages, GenerationOptions opts, Consumer<String> out) {
        long tStart = System.nanoTime();
        if (messages.stream().noneMatch(ChatTemplate.Message::video)) throw new IllegalArgumentException("no message holds the video");
        int[] prompt = model.promptIds(tokenizer, messages, video.videoPositions());
        int[] prefixIds = model.prefixIds(tokenizer, null, video.videoPositions());
        // only a conversation that opens with the video's turn (as far as its last line break, which a question starting
        // with one merges with) shares that prefix; another (a system message first) would store a useless one
        boolean opensWithVideo = KvSnapshot.commonPrefix(prefixIds, prompt) >= prefixIds.length - 1;
        return start(video, prompt, opensWithVideo ? prefixIds : null, opts, out, null, tStart);
    }

    /**
     * A sequence answering the conversation {@code messages}, which holds no video: the chat template around them, the
     * language model alone. Its answer's stats count no frames, visual tokens or video seconds, and name no method.
     *
     * @throws IllegalArgumentException when a message holds a video or the prompt does not fit
     */
    public Sequence startText(List<ChatTemplate.Message> messages, GenerationOptions opts, Consumer<String> out) {
        long tStart = System.nanoTime();
        if (messages.stream().anyMatch(ChatTemplate.Message::video)) throw new IllegalArgumentException("a message holds a video: use start with the video");
        int[] prompt = model.promptIds(tokenizer, messages, 0);
        int ctx = model.text().maxPositions();
        if (prompt.length >= ctx)
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens, more than the model's context of " + ctx);
        int maxNew = Math.min(opts.maxNewTokens(), ctx - prompt.length);
        MethodHooks hooks = MethodHooks.forRequest(model.text(), CompressionMethods.none(), 0, 0, 0, 1, maxNew);
        Generator g = new Generator(model.decoder(), model.newCache(prompt.length + maxNew), model.inputsEmbeds(prompt, null), prompt.length,
                new Sampler(opts.temperature(), opts.topP(), opts.seed()), maxNew, opts.ignoreStop() ? Set.of() : stopIds, null, null);
        return new Sequence(this, null, prompt, null, g, hooks, null, 0, null, out, null, tStart, 0);
    }

    /** The sequence of {@code prompt}; {@code prefixIds} (null: none) is the part of it the prefix cache may serve. */
    private Sequence start(CompressedVideo video, int[] prompt, int[] prefixIds, GenerationOptions opts, Consumer<String> out, Trace trace,
                           long tStart) {
        int dt = model.text().hiddenSize();
        int visual = video.kept().count();
        int ctx = model.text().maxPositions();
        if (prompt.length >= ctx)
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens (" + video.videoPositions()
                    + " of them video), more than the model's context of " + ctx + "; use fewer frames");
        int maxNew = Math.min(opts.maxNewTokens(), ctx - prompt.length);
        float[] x = model.inputsEmbeds(prompt, video.embeds());
        CompressionMethod comp = video.compression();
        MethodHooks hooks = MethodHooks.forRequest(model.text(), comp, firstVideoPosition(prompt), visual, video.all().frames(),
                video.all().tokensPerFrame(), maxNew);
        Positions positions = model.positions(prompt, video);
        if (trace != null) trace.floats("inputs_embeds", x.clone(), prompt.length, dt);
        KvCache cache = model.newCache(prompt.length + maxNew);
        long tRestore = System.nanoTime();
        Sequence.Prefix prefix = null;
        int reused = 0;
        String featureKey = video.encoded().featureKey();
        if (hooks.prefixReusable() && prefixIds != null && trace == null && featureKey != null) {
            String key = prefixKey(featureKey, comp, prefixIds);
            KvSnapshot snap = prefixCache.get(key);
            if (snap != null) {
                reused = Math.min(snap.sharedWith(prompt), prompt.length - 1);
                snap.restore(cache, reused);
                x = Arrays.copyOfRange(x, reused * dt, prompt.length * dt);
            } else {
                prefix = new Sequence.Prefix(prefixCache, key, Math.min(KvSnapshot.commonPrefix(prefixIds, prompt), prompt.length - 1));
            }
        }
        double restore = (System.nanoTime() - tRestore) / 1e9;
        IsolatedHook decodeHook = IsolatedHook.around(hooks.decodeHook());
        Sampler sampler = new Sampler(opts.temperature(), opts.topP(), opts.seed());
        Set<Integer> stops = opts.ignoreStop() ? Set.of() : stopIds;
        Generator g = positions == null
                ? new Generator(model.decoder(), cache, x, prompt.length - reused, sampler, maxNew, stops, decodeHook, hooks.prefillHook())
                : new Generator(model.decoder(), cache, x, positions.slice(reused, prompt.length), sampler, maxNew, stops, decodeHook,
                hooks.prefillHook());
        return new Sequence(this, video, prompt, positions, g, hooks, decodeHook, reused, prefix, out, trace, tStart, restore);
    }

    /**
     * One decode step for each of {@code sequences} that is prefilled and not done: each chooses its token (sampled
     * by its own sampler, streamed, checked against its stop ids and token limit), then those not done by it run
     * through the model as one batch: each weight matrix multiplies all their rows at once, while RoPE, attention over
     * its own KV cache and its method's state (DyCoke's DP) stay each sequence's own. A batch of one is
     * {@link Sequence#step}.
     *
     * <p>A sequence whose part of the step fails (its method's decode hook, its text consumer, the prefix cache it
     * fills) ends with that failure ({@link Sequence#failure}, and it is done); the others finish the step and go on as
     * they would have without it (a hook that failed mid-step leaves its row in the batch to the step's end, attending
     * to its whole cache, and is dropped after). A failure of the model's own step (every row) is still thrown.
     *
     * @throws IllegalArgumentException when a sequence was started by another stage
     */
    public void step(List<Sequence> sequences) {
        for (Sequence s : sequences)
            if (s.stage() != this) throw new IllegalArgumentException("a sequence started by another answer stage");
        List<Sequence> running = sequences.stream().filter(s -> s.prefillDone() && !s.done()).toList();
        List<Sequence> chosen = new ArrayList<>(running.size());
        for (Sequence s : running) {
            try {
                s.choose(-1);
                chosen.add(s);
            } catch (RuntimeException e) {
                s.fail(e);
            }
        }
        Sequence.feed(chosen);
    }

    private int firstVideoPosition(int[] prompt) {
        int vid = model.videoTokenId();
        for (int i = 0; i < prompt.length; i++) if (prompt[i] == vid) return i;
        throw new IllegalArgumentException("the prompt has no video token (id " + vid + ")");
    }

    /**
     * The prefix cache key: the video's features, how the language model runs (its weights and KV dtype: both change
     * the entries), the compression settings (what was kept), and the prefix ids.
     */
    private String prefixKey(String featureKey, CompressionMethod comp, int[] prefixIds) {
        return CacheKey.of("prompt-prefix").text("features", featureKey)
                .text("llm", model.weightFormat().id() + "," + model.kvCache().id()).text("compression", comp.key())
                .ints("ids", prefixIds).hex();
    }
}
