package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.compress.EvsMethod;
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
 * are no caches and no sessions, and of the compression methods only EVS, as vLLM applies it ({@link #checkSupported}
 * refuses the others rather than run them wrongly). Not thread-safe.
 */
public final class Qwen25Vl implements AutoCloseable {
    private final Checkpoint checkpoint;
    private final Qwen25VlConfig config;
    private final Qwen2Decoder decoder;
    private final QwenVisionTower tower;
    private final QwenVideoPreprocessor preprocessor;
    private final Tokenizer tokenizer;
    private final MropeIndex index;
    private final Set<Integer> stopIds;

    private Qwen25Vl(Checkpoint checkpoint, Qwen25VlConfig config, Qwen2Decoder decoder, QwenVisionTower tower,
                     QwenVideoPreprocessor preprocessor, Tokenizer tokenizer) {
        this.checkpoint = checkpoint;
        this.config = config;
        this.decoder = decoder;
        this.tower = tower;
        this.preprocessor = preprocessor;
        this.tokenizer = tokenizer;
        this.index = MropeIndex.of(config);
        this.stopIds = new LinkedHashSet<>(config.text().eosTokenIds());
    }

    /**
     * Loads the configs, the weights (memory-mapped, as stored) and the tokenizer of the checkpoint in {@code dir}.
     *
     * @throws ModelFormatException when a file is missing or wrong, or {@code opts} asks for int8 weights, which this
     *                              model does not support yet
     */
    public static Qwen25Vl load(Path dir, LoadOptions opts) {
        if (!Files.isDirectory(dir)) throw new ModelFormatException(dir + ": model directory not found");
        if (opts.weights() != LoadOptions.WeightFormat.AS_STORED)
            throw new ModelFormatException(dir + ": " + opts.weights().id() + " weights are not supported on Qwen2.5-VL yet; load them as stored");
        Qwen25VlConfig cfg = Qwen25VlConfig.load(dir);
        Qwen25VlVisionConfig vcfg = Qwen25VlVisionConfig.load(dir);
        Tokenizer tok = Tokenizer.load(dir.resolve("tokenizer.json"));
        Checkpoint ck = Checkpoint.open(dir);
        try {
            Weights w = new Weights(ck);
            Qwen2Decoder dec = new Qwen2Decoder(w, cfg.text(), DecoderLayout.qwen25Vl(cfg, ck), opts.kvCache());
            return new Qwen25Vl(ck, cfg, dec, new QwenVisionTower(w, vcfg), new QwenVideoPreprocessor(vcfg.video()), tok);
        } catch (RuntimeException e) {
            ck.close();
            throw e;
        }
    }

    /**
     * Refuses, with one line naming it, a method this model cannot run yet: it runs no compression, and EVS at an
     * explicit retained ratio (the other budgets count frames, which Qwen groups in temporal patches).
     *
     * @throws IllegalArgumentException for any other method, or EVS without a ratio
     */
    public static void checkSupported(CompressionMethod comp) {
        if (comp.label().equals(CompressionMethods.none().label())) return;
        if (comp instanceof EvsMethod evs) {
            if (evs.budget() instanceof TokenBudget.Ratio) return;
            throw new IllegalArgumentException("evs on Qwen2.5-VL needs an explicit retained ratio");
        }
        throw new IllegalArgumentException("compression method '" + comp.label() + "' is not supported on Qwen2.5-VL yet (only none and evs)");
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
        int tokens = grid.tokens(), kept = tokens;
        long t3 = System.nanoTime();
        int[] prompt;
        MropeIndex.Result placed;
        if (comp instanceof EvsMethod) {
            // EVS scores each temporal patch's tokens against the previous patch's, as vLLM runs it on Qwen2.5-VL; the
            // kept tokens keep their unpruned positions, so pruning does not shift the video's timeline
            VisualTokens all = VisualTokens.pooled(video, grid.t(), grid.h() * grid.w(), tower.config().outHiddenSize());
            VisualTokens chosen = comp.preLlm().compress(all);
            kept = chosen.count();
            video = chosen.features();
            prompt = ChatTemplate.qwen25VlVideoPromptIds(tokenizer, question, kept);
            placed = index.evs(prompt, List.of(grid), List.of(chosen.sourceIndex()));
        } else {
            prompt = ChatTemplate.qwen25VlVideoPromptIds(tokenizer, question, tokens);
            placed = index.positions(prompt, List.of(grid));
        }
        long t4 = System.nanoTime();
        float[] x = decoder.embed(prompt, config.videoTokenId(), video);
        int maxNew = opts.maxNewTokens();
        KvCache cache = decoder.newCache(prompt.length + maxNew);
        Generator g = new Generator(decoder, cache, x, placed.positions(), new Sampler(opts.temperature(), opts.topP(), opts.seed()),
                maxNew, opts.ignoreStop() ? Set.of() : stopIds, null, null);
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
        var c = config.text();
        var seconds = new Stats.Seconds(decodeSeconds, (t1 - t0) / 1e9, (t2 - t1) / 1e9, 0, (t4 - t3) / 1e9, (t5 - t4) / 1e9, (t6 - firstToken) / 1e9, 0);
        double flops = Flops.prefill(c.numLayers(), prompt.length, c.numLayers(), prompt.length, c.hiddenSize(), c.intermediateSize());
        Stats stats = new Stats(comp.label(), frames.size(), tokens, kept, kept, prompt.length, ids.length, seconds,
                cache.bytes(), cache.prunedBytes(), flops, Bytes.peakRss(), false, 0, decodeSeconds + (firstToken - t0) / 1e9);
        return new Answer(text.toString(), ids, stats);
    }

    private static void emit(String piece, StringBuilder text, Consumer<String> out) {
        text.append(piece);
        if (out != null && !piece.isEmpty()) out.accept(piece);
    }

    @Override
    public void close() {
        checkpoint.close();
    }
}
