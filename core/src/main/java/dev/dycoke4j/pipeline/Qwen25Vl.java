package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.DyCokeMethod;
import dev.dycoke4j.compress.EvsMethod;
import dev.dycoke4j.compress.FastVMethod;
import dev.dycoke4j.compress.FramesMethod;
import dev.dycoke4j.compress.NoneMethod;
import dev.dycoke4j.compress.RandomMethod;
import dev.dycoke4j.compress.TokenBudget;
import dev.dycoke4j.compress.UniformMethod;
import dev.dycoke4j.compress.VidCom2Method;
import dev.dycoke4j.compress.VisualTokens;
import dev.dycoke4j.compress.WithDynamicPruning;
import dev.dycoke4j.io.Checkpoint;
import dev.dycoke4j.io.ModelFormatException;
import dev.dycoke4j.io.Qwen25VlConfig;
import dev.dycoke4j.io.Qwen25VlVisionConfig;
import dev.dycoke4j.io.Weights;
import dev.dycoke4j.llm.DecoderLayout;
import dev.dycoke4j.llm.MropeIndex;
import dev.dycoke4j.llm.Positions;
import dev.dycoke4j.llm.Qwen2Decoder;
import dev.dycoke4j.tokenizer.ChatTemplate;
import dev.dycoke4j.tokenizer.Tokenizer;
import dev.dycoke4j.vision.QwenFrameSampler;
import dev.dycoke4j.vision.QwenVideoPreprocessor;
import dev.dycoke4j.vision.QwenVisionTower;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * A loaded Qwen2.5-VL checkpoint as a {@link VideoModel}: the frames {@link QwenFrameSampler} chose go through
 * {@link QwenVideoPreprocessor} and {@link QwenVisionTower} ({@link QwenVision}); their features take the
 * {@code <|video_pad|>} rows of the chat template's prompt, at the positions {@link MropeIndex} gives; the Qwen2
 * decoder answers. {@link VideoQa#load} loads it when the checkpoint's {@code config.json} names it, and the stages,
 * caches and sessions run it as they run LLaVA-OneVision.
 *
 * <p>The pre-LLM compression methods see Qwen's merged grid as {@link VisualTokens}: one "frame" is one temporal grid
 * step (a temporal patch: two video frames), of h' x w' merged tokens (not square), frame-major then row-major as the
 * tower gives them. So DyCoke's TTM windows of 4 frames are 4 temporal steps (8 video frames), VidCom2's per-frame
 * budgets are per temporal step, {@code frames} keeps whole temporal steps, and a budget matched to TTM counts
 * temporal steps. Every kept token keeps its unpruned (t, h, w) position and the text after the video continues at
 * base + the grid's columns, as vLLM places EVS ({@link MropeIndex#pruned}): pruning does not shift the timeline.
 * FastV prunes inside the LLM over the unpruned prompt; the decoder gives the visual rows it keeps their own positions.
 * DyCoke's DP selects cache slots over the kept visual rows while decoding: their keys keep their rotary positions and
 * each generated token goes at the cache's next position, one past the prompt's largest. A question after a cached
 * video prefix takes the positions it has in the whole prompt, after the video's largest. {@link #checkSupported}
 * refuses the methods this model cannot run rather than run them wrongly.
 */
public final class Qwen25Vl implements VideoModel {
    private final Path dir;
    private final Checkpoint checkpoint;
    private final QuantizedWeights q8;
    private final Qwen25VlConfig config;
    private final Qwen2Decoder decoder;
    private final QwenVisionTower tower;
    private final QwenVideoPreprocessor preprocessor;
    private final Tokenizer tokenizer;
    private final MropeIndex index;

    private Qwen25Vl(Path dir, Checkpoint checkpoint, QuantizedWeights q8, Qwen25VlConfig config, Qwen2Decoder decoder, QwenVisionTower tower,
                     QwenVideoPreprocessor preprocessor, Tokenizer tokenizer) {
        this.dir = dir;
        this.checkpoint = checkpoint;
        this.q8 = q8;
        this.config = config;
        this.decoder = decoder;
        this.tower = tower;
        this.preprocessor = preprocessor;
        this.tokenizer = tokenizer;
        this.index = MropeIndex.of(config);
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
            Qwen25Vl m = new Qwen25Vl(dir, ck, q8, cfg, dec, new QwenVisionTower(w, vcfg), new QwenVideoPreprocessor(vcfg.video()), tok);
            if (q8 != null) q8.finish();
            return m;
        } catch (RuntimeException e) {
            if (q8 != null) q8.close();
            ck.close();
            throw e;
        }
    }

    @Override
    public LoadOptions.WeightFormat weightFormat() {
        return q8 == null ? LoadOptions.WeightFormat.AS_STORED : LoadOptions.WeightFormat.Q8;
    }

    /** Whether the int8 weights were read from the on-disk cache rather than quantized at this load. */
    public boolean weightsFromCache() {
        return q8 != null && q8.fromCache();
    }

    /** The methods {@link #checkSupported} lets through, as its refusals name them. */
    public static final String SUPPORTED = "none, evs (at a ratio), random, uniform, frames, vidcom2, dycoke, fastv, and dp with any of them";

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

    QwenVisionTower tower() {
        return tower;
    }

    QwenVideoPreprocessor preprocessor() {
        return preprocessor;
    }

    /** Frames per temporal patch: a frame count must be a multiple of it. */
    public int temporalPatch() {
        return tower.config().temporalPatchSize();
    }

    @Override
    public Path dir() {
        return dir;
    }

    @Override
    public String familyName() {
        return "Qwen2.5-VL";
    }

    @Override
    public Qwen2Decoder decoder() {
        return decoder;
    }

    @Override
    public long weightBytes() {
        return checkpoint.totalBytes();
    }

    /** The language model's products (with its head) and the vision tower and merger, about their stored bytes. */
    @Override
    public long residentWeightBytes() {
        return decoder.decodeWeightBytes() + checkpoint.bytesUnder("visual.", "model.visual.");
    }

    @Override
    public int videoTokenId() {
        return config.videoTokenId();
    }

    @Override
    public void checkMethod(CompressionMethod comp) {
        checkSupported(comp);
    }

    /** The kept tokens themselves, one {@code <|video_pad|>} row each. */
    @Override
    public float[] videoRows(VisualTokens kept) {
        int n = kept.count() * kept.dim();
        return kept.features().length == n ? kept.features() : Arrays.copyOf(kept.features(), n);
    }

    @Override
    public int[] promptIds(Tokenizer tok, String system, String question, int videoPositions) {
        List<ChatTemplate.Message> messages = new ArrayList<>(2);
        if (system != null) messages.add(new ChatTemplate.Message("system", false, List.of(system)));
        messages.add(new ChatTemplate.Message("user", true, List.of(question)));
        return ChatTemplate.qwen25VlPromptIds(tok, messages, videoPositions);
    }

    @Override
    public int[] prefixIds(Tokenizer tok, String system, int videoPositions) {
        return ChatTemplate.qwen25VlVideoPrefixIds(tok, system, videoPositions);
    }

    @Override
    public int[] promptIds(Tokenizer tok, List<ChatTemplate.Message> messages, int videoPositions) {
        return ChatTemplate.qwen25VlPromptIds(tok, messages, videoPositions);
    }

    /** The generation config's end-of-sequence ids. */
    @Override
    public Set<Integer> stopIds(Tokenizer tok) {
        return Set.copyOf(config.text().eosTokenIds());
    }

    /**
     * M-RoPE positions: the video's grid with the seconds its temporal steps span; a method that kept every token in
     * order pruned nothing and the video is placed as transformers places it (FastV's case, which prunes inside the
     * LLM), otherwise each kept token keeps its unpruned position as vLLM places a pruned video.
     */
    @Override
    public Positions positions(int[] prompt, CompressedVideo video) {
        VisualTokens all = video.all(), kept = video.kept();
        VisionFeatures.TemporalGrid tg = video.encoded().features().grid();
        if (tg == null) throw new IllegalArgumentException("the video's features have no temporal grid: they were not encoded by Qwen2.5-VL's vision side");
        var grid = new MropeIndex.VideoGrid(all.frames(), all.tokensPerFrame() / tg.width(), tg.width(), tg.secondsPerStep());
        return keepsAll(kept, all) ? index.positions(prompt, List.of(grid)).positions()
                : index.pruned(prompt, List.of(grid), List.of(kept.sourceIndex())).positions();
    }

    private static boolean keepsAll(VisualTokens kept, VisualTokens all) {
        if (kept.count() != all.count()) return false;
        int[] src = kept.sourceIndex();
        for (int i = 0; i < src.length; i++) if (src[i] != i) return false;
        return true;
    }

    @Override
    public void close() {
        if (q8 != null) q8.close();
        checkpoint.close();
    }
}
