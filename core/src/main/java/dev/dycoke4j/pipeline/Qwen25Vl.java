package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.DecodePruning;
import dev.dycoke4j.compress.DyCokeMethod;
import dev.dycoke4j.compress.EvsMethod;
import dev.dycoke4j.compress.FastVMethod;
import dev.dycoke4j.compress.FramesMethod;
import dev.dycoke4j.compress.NoneMethod;
import dev.dycoke4j.compress.PrefillPruning;
import dev.dycoke4j.compress.RequestShape;
import dev.dycoke4j.compress.RandomMethod;
import dev.dycoke4j.compress.UniformMethod;
import dev.dycoke4j.compress.VidCom2Method;
import dev.dycoke4j.compress.WithDynamicPruning;
import dev.dycoke4j.compress.TokenBudget;
import dev.dycoke4j.compress.VisualTokens;
import dev.dycoke4j.compress.Flops;
import dev.dycoke4j.io.Checkpoint;
import dev.dycoke4j.io.ModelFormatException;
import dev.dycoke4j.io.Qwen25VlConfig;
import dev.dycoke4j.io.Qwen25VlVisionConfig;
import dev.dycoke4j.io.Weights;
import dev.dycoke4j.llm.DecoderLayout;
import dev.dycoke4j.llm.Generator;
import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.llm.MropeIndex;
import dev.dycoke4j.llm.Positions;
import dev.dycoke4j.llm.Qwen2Decoder;
import dev.dycoke4j.llm.Sampler;
import dev.dycoke4j.platform.Bytes;
import dev.dycoke4j.tokenizer.ChatTemplate;
import dev.dycoke4j.tokenizer.StreamDecoder;
import dev.dycoke4j.tokenizer.Tokenizer;
import dev.dycoke4j.vision.QwenFrameSampler;
import dev.dycoke4j.vision.QwenPixels;
import dev.dycoke4j.vision.QwenVideoPreprocessor;
import dev.dycoke4j.vision.QwenVisionTower;
import dev.dycoke4j.vision.RgbFrame;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Qwen2.5-VL answering one question about one video, end to end: the frames {@link QwenFrameSampler} chose go through
 * {@link QwenVideoPreprocessor} and {@link QwenVisionTower}; their features take the {@code <|video_pad|>} rows of the
 * chat template's prompt, at the positions {@link MropeIndex} gives; the Qwen2 decoder answers. A facade beside
 * {@link VideoQa}, whose stages (pooling, the compression methods' hooks, the caches) are LLaVA-OneVision's: here there
 * are no caches and no sessions.
 *
 * <p>The pre-LLM compression methods see Qwen's merged grid as {@link VisualTokens}: one "frame" is one temporal grid
 * step (a temporal patch: two video frames), of h' x w' merged tokens (not square), frame-major then row-major as the
 * tower gives them. So DyCoke's TTM windows of 4 frames are 4 temporal steps (8 video frames), VidCom2's per-frame
 * budgets are per temporal step, {@code frames} keeps whole temporal steps, and a budget matched to TTM counts
 * temporal steps. Every kept token keeps its unpruned (t, h, w) position and the text after the video continues at
 * base + the grid's columns, as vLLM places EVS ({@link MropeIndex#pruned}): pruning does not shift the timeline.
 * FastV prunes inside the LLM over the unpruned prompt; the decoder gives the visual rows it keeps their own positions.
 * DyCoke's DP selects cache slots over the kept visual rows while decoding: their keys keep their rotary positions and
 * each generated token goes at the cache's next position, one past the prompt's largest.
 * {@link #checkSupported} refuses the methods this model cannot run rather than run them wrongly. Not thread-safe.
 */
public final class Qwen25Vl implements AutoCloseable {
    private final Checkpoint checkpoint;
    private final QuantizedWeights q8;
    private final Qwen25VlConfig config;
    private final Qwen2Decoder decoder;
    private final QwenVisionTower tower;
    private final QwenVideoPreprocessor preprocessor;
    private final Tokenizer tokenizer;
    private final MropeIndex index;
    private final Set<Integer> stopIds;

    private Qwen25Vl(Checkpoint checkpoint, QuantizedWeights q8, Qwen25VlConfig config, Qwen2Decoder decoder, QwenVisionTower tower,
                     QwenVideoPreprocessor preprocessor, Tokenizer tokenizer) {
        this.checkpoint = checkpoint;
        this.q8 = q8;
        this.config = config;
        this.decoder = decoder;
        this.tower = tower;
        this.preprocessor = preprocessor;
        this.tokenizer = tokenizer;
        this.index = MropeIndex.of(config);
        this.stopIds = new LinkedHashSet<>(config.text().eosTokenIds());
    }

    /**
     * Loads the configs, the weights (memory-mapped) and the tokenizer of the checkpoint in {@code dir}. With
     * {@link LoadOptions.WeightFormat#Q8} the language model's linear layers and LM head (its own, or the tied
     * embeddings) are int8, from the on-disk cache when it is on and valid, else quantized now; the vision tower and
     * the embedding lookups stay as stored, as LLaVA-OneVision's SigLIP does.
     *
     * @throws ModelFormatException when a file is missing or wrong
     */
    public static Qwen25Vl load(Path dir, LoadOptions opts) {
        if (!Files.isDirectory(dir)) throw new ModelFormatException(dir + ": model directory not found");
        Qwen25VlConfig cfg = Qwen25VlConfig.load(dir);
        Qwen25VlVisionConfig vcfg = Qwen25VlVisionConfig.load(dir);
        Tokenizer tok = Tokenizer.load(dir.resolve("tokenizer.json"));
        Checkpoint ck = Checkpoint.open(dir);
        QuantizedWeights q8 = null;
        try {
            if (opts.weights() == LoadOptions.WeightFormat.Q8) q8 = new QuantizedWeights(ck, opts);
            Weights w = new Weights(ck, q8 == null ? null : q8::get);
            Qwen2Decoder dec = new Qwen2Decoder(w, cfg.text(), DecoderLayout.qwen25Vl(cfg, ck), opts.kvCache());
            Qwen25Vl m = new Qwen25Vl(ck, q8, cfg, dec, new QwenVisionTower(w, vcfg), new QwenVideoPreprocessor(vcfg.video()), tok);
            if (q8 != null) q8.finish();
            return m;
        } catch (RuntimeException e) {
            if (q8 != null) q8.close();
            ck.close();
            throw e;
        }
    }

    /** How the language model's weights are held. */
    public LoadOptions.WeightFormat weightFormat() {
        return q8 == null ? LoadOptions.WeightFormat.AS_STORED : LoadOptions.WeightFormat.Q8;
    }

    /** Whether the int8 weights were read from the on-disk cache rather than quantized at this load. */
    public boolean weightsFromCache() {
        return q8 != null && q8.fromCache();
    }

    /** The language model (for tests and measurements). */
    Qwen2Decoder decoder() {
        return decoder;
    }

    /** The methods {@link #checkSupported} lets through, as its refusals name them. */
    public static final String SUPPORTED = "none, evs (at a ratio), random, uniform, frames, vidcom2, dycoke, fastv, and dp with any of them but fastv";

    /**
     * Refuses, with one line naming it, a method this model cannot run yet: it runs no compression, EVS at an explicit
     * retained ratio, the pre-LLM methods random, uniform, frames, vidcom2 and dycoke's TTM, FastV inside the LLM (the
     * rows it keeps keep their positions), and DyCoke's DP while decoding, alone or added to a pre-LLM method (it picks
     * cache slots, whose keys keep their rotary positions; each step's token takes the cache's next position). Methods that rank tokens by the vision tower's
     * attention or SigLIP's pooling-head signals cannot run: Qwen's tower gives neither.
     *
     * @throws IllegalArgumentException for any other method, or EVS without a ratio
     */
    public static void checkSupported(CompressionMethod comp) {
        if (comp instanceof WithDynamicPruning dp) {
            checkSupported(dp.base());
            return;
        }
        if (comp instanceof NoneMethod || comp instanceof RandomMethod || comp instanceof UniformMethod || comp instanceof FramesMethod
                || comp instanceof VidCom2Method || comp instanceof DyCokeMethod || comp instanceof FastVMethod) return;
        if (comp instanceof EvsMethod evs) {
            if (evs.budget() instanceof TokenBudget.Ratio) return;
            throw new IllegalArgumentException("evs on Qwen2.5-VL needs an explicit retained ratio");
        }
        if (comp.needsFrameSignals())
            throw new IllegalArgumentException("compression method '" + comp.label() + "' needs each frame's signals from SigLIP's attention-pooling head, which Qwen2.5-VL's tower does not have (supported: " + SUPPORTED + ")");
        if (comp.needsVisionAttention())
            throw new IllegalArgumentException("compression method '" + comp.label() + "' ranks tokens by the vision tower's attention, which Qwen2.5-VL's tower does not give (supported: " + SUPPORTED + ")");
        throw new IllegalArgumentException("compression method '" + comp.label() + "' is not supported on Qwen2.5-VL yet (supported: " + SUPPORTED + ")");
    }

    public Qwen25VlConfig config() {
        return config;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** Frames per temporal patch: a frame count must be a multiple of it. */
    public int temporalPatch() {
        return tower.config().temporalPatchSize();
    }

    /**
     * Answers {@code question} about {@code frames} (sampled by {@link QwenFrameSampler}, decoded in
     * {@code decodeSeconds}), whose temporal patches are {@code secondPerGridT} seconds apart; text is streamed to
     * {@code out} as it is generated (may be null).
     *
     * @throws IllegalArgumentException when {@code comp} is not supported ({@link #checkSupported}), or the frames are
     *                                  none or differ in size
     */
    public Answer answer(List<RgbFrame> frames, double secondPerGridT, double decodeSeconds, String question,
                         GenerationOptions opts, CompressionMethod comp, Consumer<String> out) {
        checkSupported(comp);
        long t0 = System.nanoTime();
        QwenPixels pixels = preprocessor.pixels(frames);
        long t1 = System.nanoTime();
        float[] video = tower.encode(pixels.values(), pixels.gridThw());
        long t2 = System.nanoTime();
        int merge = tower.config().spatialMergeSize();
        var grid = new MropeIndex.VideoGrid(pixels.gridT(), pixels.gridH() / merge, pixels.gridW() / merge, secondPerGridT);
        long t3 = System.nanoTime();
        Placed p = place(video, grid, question, comp);
        int tokens = grid.tokens(), kept = p.kept().count();
        int[] prompt = p.prompt();
        long t4 = System.nanoTime();
        float[] x = decoder.embed(prompt, config.videoTokenId(), p.kept().features());
        int maxNew = opts.maxNewTokens();
        KvCache cache = decoder.newCache(prompt.length + maxNew);
        var c = config.text();
        // FastV drops visual rows inside the LLM; the decoder hands the rows it keeps their own positions. DP picks cache
        // slots, whose keys were rotated at their own positions
        var shape = new RequestShape(c.numLayers(), p.videoStart(), kept, grid.t(), grid.h() * grid.w(), maxNew);
        PrefillPruning fastv = comp.prefill(shape);
        DecodePruning dp = comp.decode(shape);
        Generator g = new Generator(decoder, cache, x, p.positions(), new Sampler(opts.temperature(), opts.topP(), opts.seed()),
                maxNew, opts.ignoreStop() ? Set.of() : stopIds, dp, fastv);
        g.prefill(Integer.MAX_VALUE, false);
        long t5 = System.nanoTime();
        StreamDecoder sd = tokenizer.streamDecoder();
        StringBuilder text = new StringBuilder();
        long firstToken = 0;
        while (!g.done()) {
            int id = g.choose();
            if (g.count() == 1) firstToken = System.nanoTime();
            if (!stopIds.contains(id) && id < tokenizer.vocabSize()) emit(sd.push(id), text, out);
            g.feed();
        }
        emit(sd.flush(), text, out);
        long t6 = System.nanoTime();
        int[] ids = g.tokens();
        var seconds = new Stats.Seconds(decodeSeconds, (t1 - t0) / 1e9, (t2 - t1) / 1e9, 0, (t4 - t3) / 1e9, (t5 - t4) / 1e9, (t6 - firstToken) / 1e9, 0);
        double flops = fastv != null
                ? Flops.prefill(c.numLayers(), prompt.length, fastv.layer() + 1, prompt.length - kept + fastv.kept(), c.hiddenSize(), c.intermediateSize())
                : Flops.prefill(c.numLayers(), prompt.length, c.numLayers(), prompt.length, c.hiddenSize(), c.intermediateSize());
        double attended = dp != null ? dp.attendedMean() : fastv != null ? fastv.kept() : kept;
        Stats stats = new Stats(comp.label(), frames.size(), tokens, kept, attended, prompt.length, ids.length, seconds,
                cache.bytes(), cache.prunedBytes(), flops, Bytes.peakRss(), false, 0, decodeSeconds + (firstToken - t0) / 1e9);
        return new Answer(text.toString(), ids, stats);
    }

    /**
     * A prompt ready for the decoder: its ids, the row of its first video token, the video's grid, every merged token of the video ({@code all}) and the
     * ones the method kept, in the order they take the video rows, and every prompt row's position.
     */
    record Placed(int[] prompt, int videoStart, MropeIndex.VideoGrid grid, VisualTokens all, VisualTokens kept, Positions positions) {
    }

    /** The prompt of {@code question} about {@code frames}, placed as {@link #answer} places it (for tests). */
    Placed prepare(List<RgbFrame> frames, double secondPerGridT, String question, CompressionMethod comp) {
        checkSupported(comp);
        QwenPixels pixels = preprocessor.pixels(frames);
        float[] video = tower.encode(pixels.values(), pixels.gridThw());
        int merge = tower.config().spatialMergeSize();
        return place(video, new MropeIndex.VideoGrid(pixels.gridT(), pixels.gridH() / merge, pixels.gridW() / merge, secondPerGridT), question, comp);
    }

    private Placed place(float[] video, MropeIndex.VideoGrid grid, String question, CompressionMethod comp) {
        // one temporal grid step is one of the methods' frames, of h' x w' merged tokens
        VisualTokens all = VisualTokens.pooled(video, grid.t(), grid.h() * grid.w(), tower.config().outHiddenSize());
        VisualTokens kept = comp instanceof NoneMethod ? all : comp.preLlm().compress(all);
        int[] prompt = ChatTemplate.qwen25VlVideoPromptIds(tokenizer, question, kept.count());
        int start = 0;
        while (prompt[start] != config.videoTokenId()) start++;
        // a pre-LLM step that keeps every token in order pruned nothing: the ordinary placement (FastV's, which prunes
        // inside the LLM); otherwise vLLM's placement of a pruned video
        Positions positions = keepsAll(kept, all) ? index.positions(prompt, List.of(grid)).positions()
                : index.pruned(prompt, List.of(grid), List.of(kept.sourceIndex())).positions();
        return new Placed(prompt, start, grid, all, kept, positions);
    }

    private static boolean keepsAll(VisualTokens kept, VisualTokens all) {
        if (kept.count() != all.count()) return false;
        int[] src = kept.sourceIndex();
        for (int i = 0; i < src.length; i++) if (src[i] != i) return false;
        return true;
    }

    private static void emit(String piece, StringBuilder text, Consumer<String> out) {
        text.append(piece);
        if (out != null && !piece.isEmpty()) out.accept(piece);
    }

    @Override
    public void close() {
        if (q8 != null) q8.close();
        checkpoint.close();
    }
}
