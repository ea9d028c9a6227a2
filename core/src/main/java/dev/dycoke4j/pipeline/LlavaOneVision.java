package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.VisualTokens;
import dev.dycoke4j.io.Checkpoint;
import dev.dycoke4j.io.LlavaConfig;
import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.llm.Positions;
import dev.dycoke4j.llm.Qwen2Decoder;
import dev.dycoke4j.io.Weights;
import dev.dycoke4j.tokenizer.ChatTemplate;
import dev.dycoke4j.tokenizer.Tokenizer;
import dev.dycoke4j.vision.Projector;
import dev.dycoke4j.vision.SiglipPass;
import dev.dycoke4j.vision.SiglipVisionTower;
import dev.dycoke4j.vision.VideoPooler;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A loaded LLaVA-OneVision checkpoint, stage by stage: vision tower, projector, pooling, the newline token, the
 * placement of video features into the prompt, and the Qwen2 decoder. Weights stay memory-mapped until
 * {@link #close()}. As a {@link VideoModel}: the video's rows are the kept pooled tokens then {@code image_newline}, the
 * prompt is LLaVA's {@code qwen_1_5} chat template with one {@code <video>} id per row, positions are 1D and
 * consecutive, and every compression method runs.
 */
public final class LlavaOneVision implements VideoModel {
    private final Path dir;
    private final LlavaConfig config;
    private final Checkpoint checkpoint;
    private final SiglipVisionTower vision;
    private final Projector projector;
    private final float[] imageNewline;
    private final Qwen2Decoder decoder;
    private final QuantizedWeights q8;

    private LlavaOneVision(Path dir, LlavaConfig config, Checkpoint ck, QuantizedWeights q8, KvCache.Precision kvCache) {
        this.dir = dir;
        this.config = config;
        this.checkpoint = ck;
        this.q8 = q8;
        Weights w = new Weights(ck, q8 == null ? null : q8::get);
        vision = new SiglipVisionTower(w, config);
        projector = new Projector(w, config);
        imageNewline = w.vector("image_newline", config.text().hiddenSize());
        decoder = new Qwen2Decoder(w, config, kvCache);
    }

    /** Loads {@code dir/config.json} and the safetensors beside it; fails with one line naming the bad file. */
    public static LlavaOneVision load(Path dir) {
        return load(dir, LoadOptions.asStored());
    }

    /**
     * As above, with the weights as {@code opts} says: with {@link LoadOptions.WeightFormat#Q8}, the language model's
     * linear layers and LM head are int8 (from the on-disk cache when it is on and valid, else quantized now); the
     * vision tower, projector and embedding lookups stay as stored.
     */
    public static LlavaOneVision load(Path dir, LoadOptions opts) {
        LlavaConfig cfg = LlavaConfig.load(dir.resolve("config.json"));
        Checkpoint ck = Checkpoint.open(dir);
        QuantizedWeights q8 = null;
        try {
            if (opts.weights() == LoadOptions.WeightFormat.Q8) q8 = new QuantizedWeights(ck, opts);
            LlavaOneVision m = new LlavaOneVision(dir, cfg, ck, q8, opts.kvCache());
            if (q8 != null) q8.finish();
            return m;
        } catch (RuntimeException e) {
            if (q8 != null) q8.close();
            ck.close();
            throw e;
        }
    }

    /** The dtype of the language model's KV cache. */
    @Override
    public KvCache.Precision kvCache() {
        return decoder.kvPrecision();
    }

    /** How the language model's weights are held. */
    @Override
    public LoadOptions.WeightFormat weightFormat() {
        return q8 == null ? LoadOptions.WeightFormat.AS_STORED : LoadOptions.WeightFormat.Q8;
    }

    /** Whether the int8 weights were read from the on-disk cache rather than quantized at this load. */
    public boolean weightsFromCache() {
        return q8 != null && q8.fromCache();
    }

    @Override
    public Path dir() {
        return dir;
    }

    @Override
    public String familyName() {
        return "LLaVA-OneVision";
    }

    @Override
    public int videoTokenId() {
        return config.videoTokenId();
    }

    /** Every method runs on LLaVA-OneVision. */
    @Override
    public void checkMethod(CompressionMethod comp) {
    }

    @Override
    public float[] videoRows(VisualTokens kept) {
        return withNewline(kept.features(), kept.count());
    }

    @Override
    public int[] promptIds(Tokenizer tok, String system, String question, int videoPositions) {
        return ChatTemplate.videoPromptIds(tok, system, question, videoPositions);
    }

    @Override
    public int[] prefixIds(Tokenizer tok, String system, int videoPositions) {
        return ChatTemplate.videoPrefixIds(tok, system, videoPositions);
    }

    @Override
    public int[] promptIds(Tokenizer tok, List<ChatTemplate.Message> messages, int videoPositions) {
        return ChatTemplate.promptIds(tok, messages, videoPositions);
    }

    /** The config's end-of-sequence ids, {@code <|im_end|>} and {@code <|endoftext|>}. */
    @Override
    public Set<Integer> stopIds(Tokenizer tok) {
        Set<Integer> stops = new LinkedHashSet<>(config.text().eosTokenIds());
        tok.tokenId("<|im_end|>").ifPresent(stops::add);
        tok.tokenId("<|endoftext|>").ifPresent(stops::add);
        return Set.copyOf(stops);
    }

    /**
     * Consecutive 1D positions (null), unless the method keeps its tokens' original positions
     * ({@link VideoPositions}, FastVID).
     */
    @Override
    public Positions positions(int[] prompt, CompressedVideo video) {
        int vid = config.videoTokenId(), start = 0;
        while (start < prompt.length && prompt[start] != vid) start++;
        return start == prompt.length ? null : VideoPositions.of(prompt, start, video);
    }

    public LlavaConfig config() {
        return config;
    }

    @Override
    public Qwen2Decoder decoder() {
        return decoder;
    }

    @Override
    public long weightBytes() {
        return checkpoint.totalBytes();
    }

    /**
     * The weight bytes that stay resident once the model has answered: what the language model's products read (int8
     * or as stored, with the LM head), and the vision tower's and projector's weights (as packed, about their stored
     * bytes). Not the embedding table, of which a lookup touches a few rows (unless it is also the LM head).
     */
    @Override
    public long residentWeightBytes() {
        return decoder.decodeWeightBytes() + checkpoint.bytesUnder("vision_tower.", "multi_modal_projector.", "image_newline");
    }

    /** Visual tokens per frame after pooling (196 at 384 px). */
    public int tokensPerFrame() {
        int s = config.vision().pooledSide();
        return s * s;
    }

    /** Video positions in the prompt for {@code frames} frames: pooled tokens plus one newline. */
    public int videoPositions(int frames) {
        return frames * tokensPerFrame() + 1;
    }

    /** SigLIP hidden states: pixels {@code [F, 3, H, W]} to {@code [F·P, dv]}. */
    public float[] visionHidden(float[] pixels, int frames) {
        return vision.encode(pixels, frames);
    }

    /** As above, also writing the attention each patch receives in the last layer into {@code received [F·P]}. */
    public float[] visionHidden(float[] pixels, int frames, float[] received) {
        return vision.encode(pixels, frames, received);
    }

    /**
     * {@link #visionHidden(float[], int, float[])} as a pass of pieces that the caller runs one at a time
     * ({@link SiglipPass#step}), with other work between them.
     */
    public SiglipPass visionPass(float[] pixels, int frames, float[] received) {
        return vision.begin(pixels, frames, received);
    }

    /** Pools per-patch scores {@code [F·P]} like the features: {@code [F·tokensPerFrame]}. */
    public float[] poolScores(float[] scores, int frames) {
        int side = config.vision().gridSide(), out = config.vision().pooledSide();
        return dev.dycoke4j.kernel.Bilinear.resize(scores, frames, side, side, 1, out, out);
    }

    /** Projector: {@code [n, dv]} to {@code [n, dt]}. */
    public float[] project(float[] hidden, int n) {
        return projector.project(hidden, n);
    }

    /** As above, into {@code out} (returned), with {@code h} for the projector's hidden rows ({@link Projector#project(float[], int, float[], float[])}). */
    public float[] project(float[] hidden, int n, float[] h, float[] out) {
        return projector.project(hidden, n, h, out);
    }

    /** Pooling: {@code [F·P, dt]} to {@code [F·tokensPerFrame, dt]}. */
    public float[] pool(float[] projected, int frames) {
        return VideoPooler.pool(projected, frames, config.vision().gridSide(), config.text().hiddenSize());
    }

    /** The video's rows for the prompt: the kept pooled rows {@code [n, dt]}, then {@code image_newline}. */
    public float[] withNewline(float[] pooled, int n) {
        int d = config.text().hiddenSize();
        float[] out = new float[(n + 1) * d];
        System.arraycopy(pooled, 0, out, 0, n * d);
        System.arraycopy(imageNewline, 0, out, n * d, d);
        return out;
    }

    /**
     * Input embeddings of {@code ids} with the rows of {@code videoEmbeds} placed, in order, at the positions whose id
     * is the video token. Their number must match.
     */
    @Override
    public float[] inputsEmbeds(int[] ids, float[] videoEmbeds) {
        int d = config.text().hiddenSize(), vid = config.videoTokenId();
        int count = 0;
        for (int id : ids) if (id == vid) count++;
        int rows = videoEmbeds == null ? 0 : videoEmbeds.length / d;
        if (count != rows)
            throw new IllegalArgumentException("the prompt has " + count + " video positions but the video gives " + rows + " embeddings");
        int[] textIds = ids.clone();
        for (int i = 0; i < textIds.length; i++) if (textIds[i] == vid) textIds[i] = 0;
        float[] x = decoder.embed(textIds);
        int r = 0;
        for (int t = 0; t < ids.length; t++)
            if (ids[t] == vid) System.arraycopy(videoEmbeds, (r++) * d, x, t * d, d);
        return x;
    }

    @Override
    public KvCache newCache(int expectedTokens) {
        return decoder.newCache(expectedTokens);
    }

    @Override
    public void close() {
        if (q8 != null) q8.close();
        checkpoint.close();
    }
}
