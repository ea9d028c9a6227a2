package dev.dycoke4j.pipeline;

import dev.dycoke4j.cache.DiskTier;
import dev.dycoke4j.cache.TieredCache;
import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.io.ModelFamily;
import dev.dycoke4j.io.ModelFormatException;
import dev.dycoke4j.llm.KvSnapshot;
import dev.dycoke4j.tokenizer.Tokenizer;
import dev.dycoke4j.vision.Preprocessor;
import dev.dycoke4j.vision.PreprocessorConfig;
import dev.dycoke4j.vision.RgbFrame;
import dev.dycoke4j.vision.SiglipPoolingHead;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Video question answering, end to end, for the simple cases: a facade over the three stages, {@link VisionStage}
 * (frames to features), {@link CompressStage} (the pre-LLM method) and {@link AnswerStage} (prompt, prefill and
 * generation), which {@link #visionStage()}, {@link #compressStage()} and {@link #answerStage()} give for the rest.
 * The checkpoint's {@code config.json} picks the model family ({@link VideoModel}): LLaVA-OneVision or Qwen2.5-VL,
 * both behind the same stages, caches and sessions. Load once, ask many times; the object is not thread-safe.
 *
 * <pre>{@code
 * try (VideoQa qa = VideoQa.load(Path.of("llava-onevision-qwen2-0.5b-ov-hf"))) {
 *     Answer a = qa.ask(n -> VideoReader.readUniform(Path.of("clip.mp4"), n).frames(), VisionOptions.of(32),
 *                       "What happens in this video?", GenerationOptions.greedy(128), CompressionMethods.none(), System.out::print);
 * }
 * }</pre>
 */
public final class VideoQa implements AutoCloseable {
    /** Reports progress of long stages: what, done, total. */
    public interface Progress {
        void update(String stage, int done, int total);

        Progress NONE = (s, d, t) -> {
        };
    }

    /** The default bound of the in-memory vision-feature cache (32 frames of the 0.5B model take 22 MB). */
    public static final long DEFAULT_VISION_CACHE_BYTES = 512L << 20;
    /** The default bound of the in-memory prefix cache (the 32-frame prefix of the 0.5B model takes about 160 MB). */
    public static final long DEFAULT_PREFIX_CACHE_BYTES = 1L << 30;

    private final VideoModel model;
    private final Tokenizer tokenizer;
    /** LLaVA-OneVision's preprocessor; null for another family. */
    private final Preprocessor preprocessor;
    private final VisionStage vision;
    private final CompressStage compress;
    private final AnswerStage answers;

    private VideoQa(VideoModel model, Tokenizer tokenizer, Preprocessor preprocessor, FamilyVision family, String modelId) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.preprocessor = preprocessor;
        this.vision = new VisionStage(family, modelId, new TieredCache<>(DEFAULT_VISION_CACHE_BYTES, null, VisionFeatures.CODEC));
        this.compress = new CompressStage(model);
        this.answers = new AnswerStage(model, tokenizer, new TieredCache<>(DEFAULT_PREFIX_CACHE_BYTES, null, SnapshotCodec.INSTANCE));
    }

    /** Loads config, weights (memory-mapped), tokenizer and preprocessor config from a checkpoint directory. */
    public static VideoQa load(Path dir) {
        return load(dir, LoadOptions.asStored());
    }

    /**
     * As above, with the weights as {@code opts} says (for instance {@link LoadOptions#q8()}: int8 LLM weights). A
     * checkpoint whose {@code config.json} names Qwen2.5-VL loads as {@link Qwen25Vl}; any other as LLaVA-OneVision,
     * whose loader names what is wrong with it.
     */
    public static VideoQa load(Path dir, LoadOptions opts) {
        if (!Files.isDirectory(dir)) throw new ModelFormatException(dir + ": model directory not found");
        if (isQwen25Vl(dir)) {
            Qwen25Vl q = Qwen25Vl.load(dir, opts);
            try {
                return new VideoQa(q, q.tokenizer(), null, new QwenVision(q), ModelIdentity.of(dir));
            } catch (RuntimeException e) {
                q.close();
                throw e;
            }
        }
        Tokenizer tok = Tokenizer.load(dir.resolve("tokenizer.json"));
        LlavaOneVision m = LlavaOneVision.load(dir, opts);
        try {
            Path pc = dir.resolve("preprocessor_config.json");
            int size = m.config().vision().imageSize();
            PreprocessorConfig cfg = Files.exists(pc) ? PreprocessorConfig.load(pc) : PreprocessorConfig.defaults(size);
            if (cfg.height() != size || cfg.width() != size)
                throw new ModelFormatException(pc + ": resizes to " + cfg.width() + "x" + cfg.height() + " but the vision tower takes " + size + "x" + size);
            Preprocessor pre = new Preprocessor(cfg);
            return new VideoQa(m, tok, pre, new SiglipVision(m, pre), ModelIdentity.of(dir));
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** Whether {@code dir}'s config names Qwen2.5-VL; a config that cannot be read is left to LLaVA-OneVision's loader to explain. */
    private static boolean isQwen25Vl(Path dir) {
        if (!Files.isRegularFile(dir.resolve("config.json"))) return false;
        try {
            return ModelFamily.of(dir) == ModelFamily.QWEN25_VL;
        } catch (ModelFormatException e) {
            return false;
        }
    }

    /**
     * Uses {@code head}, SigLIP's attention-pooling head (which LLaVA-OneVision checkpoints do not contain), for the
     * methods that need the frame signals (FastVID); null: none.
     */
    public VideoQa poolingHead(SiglipPoolingHead head) {
        vision.poolingHead(head);
        return this;
    }

    public VideoQa progress(Progress p) {
        vision.progress(p);
        return this;
    }

    /**
     * Sets the caches sessions use: the vision features and the prompt prefixes, each in memory bounded by bytes (0
     * keeps nothing), and, when {@code disk} is not null, in {@code disk/vision} and {@code disk/prefix} too, bounded by
     * {@code diskVisionBytes} and {@code diskPrefixBytes}. The one-shot {@code ask}/{@code answer} never use them.
     */
    public VideoQa caches(long visionBytes, long prefixBytes, Path disk, long diskVisionBytes, long diskPrefixBytes) {
        vision.cache(new TieredCache<>(visionBytes, disk == null ? null : new DiskTier(disk.resolve("vision"), diskVisionBytes), VisionFeatures.CODEC));
        answers.cache(new TieredCache<>(prefixBytes, disk == null ? null : new DiskTier(disk.resolve("prefix"), diskPrefixBytes), SnapshotCodec.INSTANCE));
        return this;
    }

    /** Empties both caches' memory tiers (benchmarks that time the first question again). */
    public void clearCaches() {
        vision.cache().clearMemory();
        answers.cache().clearMemory();
    }

    public TieredCache<VisionFeatures> visionCache() {
        return vision.cache();
    }

    public TieredCache<KvSnapshot> prefixCache() {
        return answers.cache();
    }

    public VisionStage visionStage() {
        return vision;
    }

    public CompressStage compressStage() {
        return compress;
    }

    public AnswerStage answerStage() {
        return answers;
    }

    /** The loaded checkpoint, whatever its family. */
    public VideoModel videoModel() {
        return model;
    }

    /**
     * The loaded LLaVA-OneVision checkpoint, for what only that family has (its vision tower's config, projector,
     * pooling).
     *
     * @throws IllegalStateException when the checkpoint is of another family
     */
    public LlavaOneVision model() {
        if (model instanceof LlavaOneVision l) return l;
        throw new IllegalStateException(model.dir() + " is a " + model.familyName() + " checkpoint, not LLaVA-OneVision");
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * LLaVA-OneVision's preprocessor (frames to SigLIP's pixel values).
     *
     * @throws IllegalStateException when the checkpoint is of another family
     */
    public Preprocessor preprocessor() {
        if (preprocessor == null) throw new IllegalStateException(model.dir() + " is a " + model.familyName() + " checkpoint, whose frames are preprocessed inside its vision stage");
        return preprocessor;
    }

    /**
     * Answers {@code question} about the {@code vo.frames()} frames {@code video} samples (it is timed as the decode
     * stage), without the caches. Text is streamed to {@code out} as it is generated (may be null). The saliency is
     * added when {@code comp} needs it, in every method here.
     */
    public Answer ask(IntFunction<List<RgbFrame>> video, VisionOptions vo, String question, GenerationOptions opts,
                      CompressionMethod comp, Consumer<String> out) {
        long t0 = System.nanoTime();
        List<RgbFrame> sampled = video.apply(vo.frames());
        return answer(vision.encodeUncached(sampled, (System.nanoTime() - t0) / 1e9, forMethod(vo, comp), null), question, null, opts, comp, out, null);
    }

    /**
     * The full request from frames decoded before (in {@code decodeSeconds}), all of them whatever {@code vo.frames()}
     * says, as {@link VisionStage#encode(List, double, VisionOptions)} takes them; the prompt is {@code ids} when given
     * (with the video token once per video position), otherwise the chat template around {@code question}.
     */
    public Answer answer(List<RgbFrame> frames, double decodeSeconds, VisionOptions vo, String question, int[] ids,
                         GenerationOptions opts, CompressionMethod comp, Consumer<String> out, Trace trace) {
        return answer(vision.encodeUncached(frames, decodeSeconds, forMethod(vo, comp), trace), question, ids, opts, comp, out, trace);
    }

    /**
     * As above, the frames' temporal steps {@code secondsPerStep} apart ({@link VisionStage#sample} gives them with
     * their timing): for a family that places frames in time, Qwen2.5-VL.
     */
    public Answer answer(List<RgbFrame> frames, double secondsPerStep, double decodeSeconds, VisionOptions vo, String question, int[] ids,
                         GenerationOptions opts, CompressionMethod comp, Consumer<String> out, Trace trace) {
        return answer(vision.encodeUncached(frames, secondsPerStep, decodeSeconds, forMethod(vo, comp), trace), question, ids, opts, comp, out, trace);
    }

    /**
     * As above, from preprocessed pixel values {@code [vo.frames(), 3, H, W]}, H and W the vision tower's image size.
     *
     * @throws IllegalArgumentException when {@code pixels} do not hold exactly that many values
     */
    public Answer answerFromPixels(float[] pixels, VisionOptions vo, String question, int[] ids, GenerationOptions opts,
                                   CompressionMethod comp, Consumer<String> out, Trace trace) {
        return answer(vision.encode(pixels, forMethod(vo, comp), trace), question, ids, opts, comp, out, trace);
    }

    private Answer answer(EncodedVideo v, String question, int[] ids, GenerationOptions opts, CompressionMethod comp,
                          Consumer<String> out, Trace trace) {
        return answers.start(compress.apply(v, comp, trace), question, ids, opts, out, trace).complete();
    }

    /** {@code vo}, with the saliency and the frame signals when {@code comp}'s method needs them. */
    private static VisionOptions forMethod(VisionOptions vo, CompressionMethod comp) {
        return vo.withSaliency(vo.saliency() || CompressStage.needsSaliency(comp))
                .withFrameSignals(vo.frameSignals() || CompressStage.needsFrameSignals(comp));
    }

    /**
     * Opens a session on the frames that {@code video} samples: decodes them (timed as the decode stage), encodes them
     * through the vision-feature cache and compresses them once; its {@link VideoSession#ask} then answers any number
     * of questions, each prefilling only what the cached prefix does not hold.
     */
    public VideoSession open(IntFunction<List<RgbFrame>> video, VisionOptions vo, CompressionMethod comp) {
        long t0 = System.nanoTime();
        List<RgbFrame> sampled = video.apply(vo.frames());
        return session(vision.encode(sampled, (System.nanoTime() - t0) / 1e9, forMethod(vo, comp)), comp);
    }

    /**
     * A session on the frames {@code video} samples, decoded on a background thread while the frames before are
     * preprocessed and encoded, or not decoded at all when the vision-feature cache holds them
     * ({@link VisionStage#encode(VideoSource, VisionOptions)}).
     */
    public VideoSession open(VideoSource video, VisionOptions vo, CompressionMethod comp) {
        return session(vision.encode(video, forMethod(vo, comp)), comp);
    }

    /** A session on frames already decoded (in {@code decodeSeconds}), all of them whatever {@code vo.frames()} says. */
    public VideoSession open(List<RgbFrame> frames, double decodeSeconds, VisionOptions vo, CompressionMethod comp) {
        return session(vision.encode(frames, decodeSeconds, forMethod(vo, comp)), comp);
    }

    private VideoSession session(EncodedVideo v, CompressionMethod comp) {
        return new VideoSession(answers, compress.apply(v, comp));
    }

    /** How many frames have gone through the vision tower since this object was loaded (for tests of the reuse). */
    long visionFrames() {
        return vision.visionFrames();
    }

    @Override
    public void close() {
        model.close();
    }
}
