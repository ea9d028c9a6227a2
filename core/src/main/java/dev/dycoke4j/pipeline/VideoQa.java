package dev.dycoke4j.pipeline;

import dev.dycoke4j.platform.Bytes;

import dev.dycoke4j.cache.CacheKey;
import dev.dycoke4j.cache.DiskTier;
import dev.dycoke4j.cache.TieredCache;
import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.compress.DecodePruning;
import dev.dycoke4j.compress.Flops;
import dev.dycoke4j.compress.NoneMethod;
import dev.dycoke4j.compress.PrefillPruning;
import dev.dycoke4j.compress.VisualTokens;
import dev.dycoke4j.io.ModelFormatException;
import dev.dycoke4j.llm.Generator;
import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.llm.KvSnapshot;
import dev.dycoke4j.llm.Sampler;
import dev.dycoke4j.tokenizer.ChatTemplate;
import dev.dycoke4j.tokenizer.StreamDecoder;
import dev.dycoke4j.tokenizer.Tokenizer;
import dev.dycoke4j.vision.Preprocessor;
import dev.dycoke4j.vision.PreprocessorConfig;
import dev.dycoke4j.vision.RgbFrame;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Video question answering, end to end: frames, preprocessing, vision tower, projector and pooling, the chat prompt
 * with its video positions, prefill and generation. Load once, ask many times; the object is not thread-safe.
 *
 * <pre>{@code
 * try (VideoQa qa = VideoQa.load(Path.of("llava-onevision-qwen2-0.5b-ov-hf"))) {
 *     Answer a = qa.ask(n -> VideoReader.readUniform(Path.of("clip.mp4"), n).frames(), 32,
 *                       "What happens in this video?", GenerationOptions.greedy(128), System.out::print);
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

    private final LlavaOneVision model;
    private final Tokenizer tokenizer;
    private final Preprocessor preprocessor;
    private final Set<Integer> stopIds;
    private final String modelId;
    private Progress progress = Progress.NONE;
    /** Time the last {@link #encodeVideo} spent in the projector and pooling (its vision time includes them). */
    private long projectPoolNanos;
    /** Frames that went through the vision tower, over the life of this object. */
    private long visionFrames;
    private TieredCache<VisionFeatures> visionCache = new TieredCache<>(DEFAULT_VISION_CACHE_BYTES, null, VisionFeatures.CODEC);
    private TieredCache<KvSnapshot> prefixCache = new TieredCache<>(DEFAULT_PREFIX_CACHE_BYTES, null, SnapshotCodec.INSTANCE);

    /** The default bound of the in-memory vision-feature cache (32 frames of the 0.5B model take 22 MB). */
    public static final long DEFAULT_VISION_CACHE_BYTES = 512L << 20;
    /** The default bound of the in-memory prefix cache (the 32-frame prefix of the 0.5B model takes about 160 MB). */
    public static final long DEFAULT_PREFIX_CACHE_BYTES = 1L << 30;

    private VideoQa(LlavaOneVision model, Tokenizer tokenizer, Preprocessor preprocessor, String modelId) {
        this.modelId = modelId;
        this.model = model;
        this.tokenizer = tokenizer;
        this.preprocessor = preprocessor;
        Set<Integer> stops = new LinkedHashSet<>(model.config().text().eosTokenIds());
        tokenizer.tokenId("<|im_end|>").ifPresent(stops::add);
        tokenizer.tokenId("<|endoftext|>").ifPresent(stops::add);
        this.stopIds = Set.copyOf(stops);
    }

    /** Loads config, weights (memory-mapped), tokenizer and preprocessor config from a checkpoint directory. */
    public static VideoQa load(Path dir) {
        return load(dir, LoadOptions.asStored());
    }

    /** As above, with the weights as {@code opts} says (for instance {@link LoadOptions#q8()}: int8 LLM weights). */
    public static VideoQa load(Path dir, LoadOptions opts) {
        if (!Files.isDirectory(dir)) throw new ModelFormatException(dir + ": model directory not found");
        Tokenizer tok = Tokenizer.load(dir.resolve("tokenizer.json"));
        LlavaOneVision m = LlavaOneVision.load(dir, opts);
        try {
            Path pc = dir.resolve("preprocessor_config.json");
            int size = m.config().vision().imageSize();
            PreprocessorConfig cfg = Files.exists(pc) ? PreprocessorConfig.load(pc) : PreprocessorConfig.defaults(size);
            if (cfg.height() != size || cfg.width() != size)
                throw new ModelFormatException(pc + ": resizes to " + cfg.width() + "x" + cfg.height() + " but the vision tower takes " + size + "x" + size);
            return new VideoQa(m, tok, new Preprocessor(cfg), ModelIdentity.of(dir));
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    public VideoQa progress(Progress p) {
        this.progress = p == null ? Progress.NONE : p;
        return this;
    }

    /**
     * Sets the caches sessions use: the vision features and the prompt prefixes, each in memory bounded by bytes (0
     * keeps nothing), and, when {@code disk} is not null, in {@code disk/vision} and {@code disk/prefix} too, bounded by
     * {@code diskVisionBytes} and {@code diskPrefixBytes}. The one-shot {@code ask}/{@code answer} never use them.
     */
    public VideoQa caches(long visionBytes, long prefixBytes, Path disk, long diskVisionBytes, long diskPrefixBytes) {
        visionCache = new TieredCache<>(visionBytes, disk == null ? null : new DiskTier(disk.resolve("vision"), diskVisionBytes), VisionFeatures.CODEC);
        prefixCache = new TieredCache<>(prefixBytes, disk == null ? null : new DiskTier(disk.resolve("prefix"), diskPrefixBytes), SnapshotCodec.INSTANCE);
        return this;
    }

    /** Empties both caches' memory tiers (benchmarks that time the first question again). */
    public void clearCaches() {
        visionCache.clearMemory();
        prefixCache.clearMemory();
    }

    public TieredCache<VisionFeatures> visionCache() {
        return visionCache;
    }

    public TieredCache<KvSnapshot> prefixCache() {
        return prefixCache;
    }

    public LlavaOneVision model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public Preprocessor preprocessor() {
        return preprocessor;
    }

    public Set<Integer> stopIds() {
        return stopIds;
    }

    /** The prompt ids for a question about a video that takes {@code videoPositions} positions (tokens + newline). */
    public int[] promptIds(String question, int videoPositions) {
        return ChatTemplate.videoPromptIds(tokenizer, question, videoPositions);
    }

    /**
     * Answers {@code question} about the {@code frames} frames that {@code video} samples (it is timed as the decode
     * stage). Text is streamed to {@code out} as it is generated (may be null).
     */
    public Answer ask(IntFunction<List<RgbFrame>> video, int frames, String question, GenerationOptions opts, Consumer<String> out) {
        return ask(video, frames, question, opts, CompressionMethods.none(), out);
    }

    /** As above, with a compression method. */
    public Answer ask(IntFunction<List<RgbFrame>> video, int frames, String question, GenerationOptions opts,
                      CompressionMethod comp, Consumer<String> out) {
        if (frames < 1) throw new IllegalArgumentException("frames must be at least 1, got " + frames);
        long t0 = System.nanoTime();
        List<RgbFrame> sampled = video.apply(frames);
        double decode = (System.nanoTime() - t0) / 1e9;
        return run(sampled, null, 0, decode, question, null, opts, comp, out, null);
    }

    /**
     * The full request from decoded frames; the prompt is {@code ids} when given (with the video token once per video
     * position), otherwise the chat template around {@code question}.
     */
    public Answer answer(List<RgbFrame> frames, double decodeSeconds, String question, int[] ids, GenerationOptions opts,
                         CompressionMethod comp, Consumer<String> out, Trace trace) {
        return run(frames, null, 0, decodeSeconds, question, ids, opts, comp, out, trace);
    }

    /**
     * The full request from preprocessed pixel values {@code [F, 3, H, W]}, H and W the vision tower's image size.
     *
     * @throws IllegalArgumentException when {@code frames < 1} or {@code pixels} do not hold exactly that many values
     */
    public Answer answerFromPixels(float[] pixels, int frames, String question, int[] ids, GenerationOptions opts,
                                   CompressionMethod comp, Consumer<String> out, Trace trace) {
        checkPixels(pixels, frames);
        return run(null, pixels, frames, 0, question, ids, opts, comp, out, trace);
    }

    /** Checks that {@code pixels} are {@code frames} frames {@code [3, H, W]} at the vision tower's image size, no more, no less. */
    void checkPixels(float[] pixels, int frames) {
        int img = model.config().vision().imageSize();
        if (frames < 1) throw new IllegalArgumentException("frames must be at least 1, got " + frames);
        long want = (long) frames * 3 * img * img;
        if (pixels == null || pixels.length != want)
            throw new IllegalArgumentException("pixel values hold " + (pixels == null ? "nothing (null)" : pixels.length + " floats")
                    + ", not the " + want + " of " + frames + " frame" + (frames == 1 ? "" : "s") + " [3, " + img + ", " + img + "]");
    }

    private Answer run(List<RgbFrame> frameList, float[] pixels, int nFrames, double decodeSeconds, String question, int[] ids,
                       GenerationOptions opts, CompressionMethod comp, Consumer<String> out, Trace trace) {
        EncodedVideo video = encode(frameList, pixels, nFrames, decodeSeconds, opts.visionBatch(), comp, trace, false);
        return generate(video, question, ids, opts, comp, out, trace, false, true);
    }

    /**
     * Opens a session on the {@code frames} frames that {@code video} samples: decodes them (timed as the decode stage),
     * encodes them through the vision-feature cache and compresses them once; its {@link VideoSession#ask} then answers
     * any number of questions, each prefilling only what the cached prefix does not hold.
     */
    public VideoSession open(IntFunction<List<RgbFrame>> video, int frames, CompressionMethod comp) {
        return open(video, frames, comp, GenerationOptions.greedy(1).visionBatch());
    }

    /** As above, with {@code visionBatch} frames per vision-tower batch. */
    public VideoSession open(IntFunction<List<RgbFrame>> video, int frames, CompressionMethod comp, int visionBatch) {
        if (frames < 1) throw new IllegalArgumentException("frames must be at least 1, got " + frames);
        long t0 = System.nanoTime();
        List<RgbFrame> sampled = video.apply(frames);
        return open(sampled, (System.nanoTime() - t0) / 1e9, comp, visionBatch);
    }

    /**
     * A session on the {@code frames} frames {@code video} samples, decoded on a background thread while the frames
     * before are preprocessed and encoded (decoding, preprocessing and the vision tower overlap); a video whose
     * features the vision-feature cache holds under its {@link VideoSource#contentKey} is not decoded at all. The
     * features, and so the answers, are those of the frames {@code video} returns, as {@link #open(List, double,
     * CompressionMethod, int)} would give.
     */
    public VideoSession open(VideoSource video, int frames, CompressionMethod comp, int visionBatch) {
        if (frames < 1) throw new IllegalArgumentException("frames must be at least 1, got " + frames);
        if (visionBatch < 1) throw new IllegalArgumentException("vision batch must be at least 1, got " + visionBatch);
        return new VideoSession(this, encode(video, frames, visionBatch, comp), comp);
    }

    /** A session on frames already decoded (in {@code decodeSeconds}). */
    public VideoSession open(List<RgbFrame> frames, double decodeSeconds, CompressionMethod comp, int visionBatch) {
        if (visionBatch < 1) throw new IllegalArgumentException("vision batch must be at least 1, got " + visionBatch);
        return new VideoSession(this, encode(frames, null, 0, decodeSeconds, visionBatch, comp, null, true), comp);
    }

    /**
     * Frames (or pixel values) to the video's prompt rows: preprocessing overlapped with the vision tower, through the
     * vision-feature cache (keyed by the frames' RGB) when {@code cached}, then the pre-LLM compression. The frames were
     * decoded before, in {@code decodeSeconds}.
     */
    private EncodedVideo encode(List<RgbFrame> frameList, float[] pixels, int nFrames, double decodeSeconds, int batch,
                                CompressionMethod comp, Trace trace, boolean cached) {
        int img = model.config().vision().imageSize();
        int tpf = model.tokensPerFrame(), dt = model.config().text().hiddenSize();
        boolean needsSaliency = comp.needsVisionAttention();
        long t0 = System.nanoTime();
        Found found = cached && frameList != null
                ? lookup(s -> featureKey(modelId, preprocessor.config(), frameList, batch, s), needsSaliency) : new Found(null, null);
        VisionFeatures features = found.features();
        VisionSeconds sec = new VisionSeconds();
        if (features != null) {
            sec.preprocess = (System.nanoTime() - t0) / 1e9;
        } else if (pixels == null && trace == null) {
            sec.preprocess = (System.nanoTime() - t0) / 1e9;
            features = features(encodeFrames(new PrefetchedPixels(preprocessor, frameList, batch), frameFeatures(frameList.size(), needsSaliency), batch, sec));
        } else {
            if (pixels == null) {
                nFrames = frameList.size();
                pixels = preprocessor.pixels(frameList);
            }
            sec.preprocess = (System.nanoTime() - t0) / 1e9;
            if (trace != null) trace.floats("pixel_values", pixels, 1, nFrames, 3, img, img);
            long t1 = System.nanoTime();
            float[][] saliency = needsSaliency ? new float[1][] : null;
            float[] pooled = encodePixels(pixels, nFrames, batch, trace, saliency);
            features = new VisionFeatures(nFrames, tpf, dt, pooled, saliency == null ? null : saliency[0]);
            sec.projectPool = projectPoolNanos / 1e9;
            sec.vision = (System.nanoTime() - t1) / 1e9 - sec.projectPool;
        }
        boolean hit = found.features() != null;
        if (found.key() != null && !hit) visionCache.put(found.key(), features);
        return compress(features, found.key(), hit, decodeSeconds, sec, comp, trace, decodeSeconds, t0);
    }

    /**
     * A video decoded here: its features from the cache under its {@link VideoSource#contentKey} (not decoded at all),
     * or decoded on a background thread that feeds preprocessing and the vision tower as frames arrive. When the
     * source's early frames turn out not to be its sample, only the returned frames not among those already encoded
     * go through the vision tower ({@link #reencode}), so the features are always those of the returned frames. A
     * source without a content key is decoded first and keyed by its frames.
     */
    private EncodedVideo encode(VideoSource source, int frames, int batch, CompressionMethod comp) {
        long t0 = System.nanoTime();
        String content = source.contentKey(frames);
        if (content == null) {
            List<RgbFrame> sampled = source.decode(frames, dev.dycoke4j.vision.FrameSink.NONE);
            return encode(sampled, null, 0, (System.nanoTime() - t0) / 1e9, batch, comp, null, true);
        }
        double hashing = (System.nanoTime() - t0) / 1e9;
        boolean needsSaliency = comp.needsVisionAttention();
        long t1 = System.nanoTime();
        Found found = lookup(s -> contentFeatureKey(modelId, preprocessor.config(), content, batch, s), needsSaliency);
        VisionSeconds sec = new VisionSeconds();
        sec.preprocess = (System.nanoTime() - t1) / 1e9;
        if (found.features() != null) {
            source.cached(frames, found.features().frames());
            return compress(found.features(), found.key(), true, hashing, sec, comp, null, 0, t0);
        }
        VisionFeatures features;
        double decode;
        try (StreamedFrames stream = new StreamedFrames(source, frames, batch)) {
            int expected = stream.expected();
            FrameFeatures first = expected > 0 ? frameFeatures(expected, needsSaliency) : null;
            if (first != null) {
                try {
                    encodeFrames(new PrefetchedPixels(preprocessor, expected, batch, stream::take), first, batch, sec);
                } catch (StreamedFrames.SamplingChanged e) {
                    // fewer frames than the container said: the frames encoded so far are kept for the sample below
                }
            }
            List<RgbFrame> sampled = stream.result();
            boolean right = first != null && first.done == expected && stream.handedOver(sampled);
            features = features(right ? first : reencode(stream.taken(), first, sampled, batch, needsSaliency, sec));
            decode = hashing + stream.decodeSeconds();
        }
        visionCache.put(found.key(), features);
        return compress(features, found.key(), false, decode, sec, comp, null, 0, t0);
    }

    /** Seconds of the vision side's stages, added up over the passes of one encode. */
    private static final class VisionSeconds {
        double preprocess, vision, projectPool;
    }

    /** A cache key and what the vision-feature cache holds under it (null: nothing). */
    private record Found(String key, VisionFeatures features) {
    }

    /**
     * The features under {@code keyOf.apply(needsSaliency)}, or, for a method that doesn't need the saliency, those
     * computed with it (without it); the key is that of a miss when neither is there.
     */
    private Found lookup(java.util.function.Function<Boolean, String> keyOf, boolean needsSaliency) {
        String key = keyOf.apply(needsSaliency);
        VisionFeatures features = visionCache.get(key);
        if (features == null && !needsSaliency) {
            String withSaliency = keyOf.apply(true);
            VisionFeatures f = visionCache.get(withSaliency);
            if (f != null) return new Found(withSaliency, new VisionFeatures(f.frames(), f.tokensPerFrame(), f.dim(), f.pooled(), null));
        }
        return new Found(key, features);
    }

    /**
     * The vision tower, projector and pooling on {@code out.frames} frames of {@code px}, into {@code out} (which keeps
     * the frames finished when this throws), adding to {@code sec} the time {@code px}'s thread spent preprocessing,
     * and the vision time (this thread's, without the waits for pixels and without the projector and pooling, which go
     * to their own figure). Closes {@code px}.
     */
    private FrameFeatures encodeFrames(PrefetchedPixels px, FrameFeatures out, int batch, VisionSeconds sec) {
        long t0 = System.nanoTime();
        projectPoolNanos = 0;
        try (px) {
            encodeInto(nb -> px.next(), out, batch, (f0, hidden, proj) -> {
            });
        } finally {
            double projectPool = projectPoolNanos / 1e9;
            sec.preprocess += px.busySeconds();
            sec.projectPool += projectPool;
            sec.vision += (System.nanoTime() - t0) / 1e9 - px.waitedSeconds() - projectPool;
        }
        return out;
    }

    /** The features of {@code f}'s frames, all done: its pooled rows, and the saliency pooled from the received attention. */
    private VisionFeatures features(FrameFeatures f) {
        return new VisionFeatures(f.frames, model.tokensPerFrame(), model.config().text().hiddenSize(), f.pooled,
                f.received == null ? null : model.poolScores(f.received, f.frames));
    }

    /**
     * The features of {@code sampled}, the frames a source returned after its early frames turned out not to be its
     * sample: a frame with the RGB of one of the {@code first.done} first frames of {@code streamed} (encoded in
     * {@code first}) takes its features, the others go through the vision tower, and all are put in {@code sampled}'s
     * order. As a frame's features depend on nothing but its RGB (not on the frames beside it in a batch), they are the
     * features of encoding {@code sampled} from scratch. Finding the same frames counts as preprocessing.
     */
    private FrameFeatures reencode(List<RgbFrame> streamed, FrameFeatures first, List<RgbFrame> sampled, int batch,
                                   boolean needsSaliency, VisionSeconds sec) {
        long t0 = System.nanoTime();
        int[] from = SameFrames.match(first == null ? List.of() : streamed.subList(0, first.done), sampled);
        List<RgbFrame> fresh = new ArrayList<>();
        for (int j = 0; j < from.length; j++) if (from[j] < 0) fresh.add(sampled.get(j));
        sec.preprocess += (System.nanoTime() - t0) / 1e9;
        FrameFeatures encoded = fresh.isEmpty() ? null
                : encodeFrames(new PrefetchedPixels(preprocessor, fresh, batch), frameFeatures(fresh.size(), needsSaliency), batch, sec);
        long t1 = System.nanoTime();
        FrameFeatures out = frameFeatures(sampled.size(), needsSaliency);
        for (int j = 0, k = 0; j < from.length; j++) out.copy(from[j] >= 0 ? first : encoded, from[j] >= 0 ? from[j] : k++, j);
        out.done = out.frames;
        sec.preprocess += (System.nanoTime() - t1) / 1e9;
        return out;
    }

    /**
     * The pre-LLM compression of {@code features}, and the encoded video with its seconds. Its wall time runs from
     * {@code t0}, plus {@code before} seconds spent earlier (a decode before the encode); the stages' sum beyond it is
     * the time they overlapped.
     */
    private EncodedVideo compress(VisionFeatures features, String key, boolean hit, double decode, VisionSeconds sec,
                                  CompressionMethod comp, Trace trace, double before, long t0) {
        int nFrames = features.frames();
        VisualTokens all = VisualTokens.pooled(features.pooled(), nFrames, model.tokensPerFrame(), model.config().text().hiddenSize(), features.saliency());
        long t2 = System.nanoTime();
        VisualTokens kept = comp.preLlm().compress(all);
        float[] videoEmbeds = model.withNewline(kept.features(), kept.count());
        long t3 = System.nanoTime();
        double compress = (t3 - t2) / 1e9, wall = before + (t3 - t0) / 1e9;
        double overlapped = Math.max(0, decode + sec.preprocess + sec.vision + sec.projectPool + compress - wall);
        if (trace != null && !(comp instanceof NoneMethod)) trace.ids("kept_indices", kept.sourceIndex());
        return new EncodedVideo(nFrames, all, kept, videoEmbeds, key, hit, decode, sec.preprocess, sec.vision, sec.projectPool, compress, overlapped);
    }

    /** The vision-feature cache key: the frames' RGB, the model, the preprocessing, the batching, and whether saliency is in. */
    static String featureKey(String modelId, PreprocessorConfig p, List<RgbFrame> frames, int batch, boolean saliency) {
        CacheKey k = featureKeyBase(modelId, p, batch, saliency).number("frames", frames.size());
        for (RgbFrame f : frames) k.ints("dims", new int[]{f.width(), f.height()}).bytes("rgb", f.rgb());
        return k.hex();
    }

    /**
     * The vision-feature cache key of a video known by its {@link VideoSource#contentKey} (a file's content, the frames
     * asked for, the sampling rule and decoder) instead of its frames, with the rest of {@link #featureKey}.
     */
    static String contentFeatureKey(String modelId, PreprocessorConfig p, String contentKey, int batch, boolean saliency) {
        return featureKeyBase(modelId, p, batch, saliency).text("video", contentKey).hex();
    }

    private static CacheKey featureKeyBase(String modelId, PreprocessorConfig p, int batch, boolean saliency) {
        return CacheKey.of("vision-features").text("model", modelId)
                .ints("size", new int[]{p.height(), p.width(), p.shortestEdge(), p.resample()})
                .text("steps", p.doResize() + "," + p.doRescale() + "," + Double.toString(p.rescaleFactor()) + "," + p.doNormalize()
                        + "," + java.util.Arrays.toString(p.mean()) + "," + java.util.Arrays.toString(p.std()))
                .number("batch", batch).number("saliency", saliency ? 1 : 0);
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

    /**
     * The LLM side of a request. With {@code reusePrefix} (sessions), the KV entries of the prompt's
     * question-independent prefix come from the prefix cache when it holds them, and are put there after a full
     * prefill otherwise; FastV, whose prefill depends on the question, always prefills in full. {@code first} says
     * whether this answer pays for the video side (its seconds count in the stats and the time to first token).
     */
    Answer generate(EncodedVideo video, String question, int[] ids, GenerationOptions opts, CompressionMethod comp,
                    Consumer<String> out, Trace trace, boolean reusePrefix, boolean first) {
        long tStart = System.nanoTime();
        int dt = model.config().text().hiddenSize();
        VisualTokens all = video.all(), kept = video.kept();
        int nFrames = video.frames();
        PreparedRequest req = PreparedRequest.generation(this, ids, question, kept, video.videoEmbeds(), nFrames, comp, opts.maxNewTokens());
        int[] prompt = req.prompt();
        float[] x = req.embeds();
        if (trace != null) trace.floats("inputs_embeds", x.clone(), prompt.length, dt);
        int maxNew = req.newTokens();
        DecodePruning dp = req.dp();
        PrefillPruning fastv = req.fastv();
        KvCache cache = req.cache();
        long tRestore = System.nanoTime();
        String prefixKey = null;
        int reused = 0, capture = 0;
        if (reusePrefix && fastv == null && ids == null && trace == null && video.featureKey() != null) {
            int[] prefix = ChatTemplate.videoPrefixIds(tokenizer, kept.count() + 1);
            prefixKey = prefixKey(video.featureKey(), comp, prefix);
            KvSnapshot snap = prefixCache.get(prefixKey);
            if (snap != null) {
                reused = Math.min(snap.sharedWith(prompt), prompt.length - 1);
                snap.restore(cache, reused);
                x = java.util.Arrays.copyOfRange(x, reused * dt, prompt.length * dt);
            } else {
                capture = Math.min(KvSnapshot.commonPrefix(prefix, prompt), prompt.length - 1);
            }
        }
        double restore = (System.nanoTime() - tRestore) / 1e9;
        Sampler sampler = new Sampler(opts.temperature(), opts.topP(), opts.seed());
        StreamDecoder sd = tokenizer.streamDecoder();
        StringBuilder text = new StringBuilder();
        int vocab = model.config().text().vocabSize();
        List<float[]> stepLogits = trace != null ? new ArrayList<>() : null;
        final float[][] prefillLogits = new float[1][];
        final int[] prefillRows = new int[1];
        final long[] firstToken = new long[1];
        final int[] promptIds = prompt;
        final int toCapture = capture;
        final String captureKey = prefixKey;
        Generator.Listener listener = new Generator.Listener() {
            @Override
            public void prefilled(float[] logits, int rows, double seconds) {
                prefillLogits[0] = logits;
                prefillRows[0] = rows;
            }

            @Override
            public void token(int id, float[] logits, int step) {
                if (step == 0) firstToken[0] = System.nanoTime();
                if (stepLogits != null && step > 0) stepLogits.add(logits.clone());
                if (!stopIds.contains(id) && id < tokenizer.vocabSize()) {
                    String piece = sd.push(id);
                    text.append(piece);
                    if (out != null && !piece.isEmpty()) out.accept(piece);
                }
                // before the first decode step changes the cache (DP's compact store quantizes entries)
                if (step == 0 && toCapture > 0) prefixCache.put(captureKey, KvSnapshot.capture(cache, promptIds, toCapture));
            }
        };
        Generator.Result r = Generator.run(model.decoder(), cache, x, prompt.length - reused, sampler, maxNew,
                opts.ignoreStop() ? Set.of() : stopIds, trace != null, listener, dp, fastv);
        String rest = sd.flush();
        text.append(rest);
        if (out != null && !rest.isEmpty()) out.accept(rest);
        if (trace != null) {
            int pre = Math.min(prefillRows[0], prefillLogits[0].length / vocab);
            int rows = pre + stepLogits.size();
            float[] logits = new float[rows * vocab];
            System.arraycopy(prefillLogits[0], 0, logits, 0, pre * vocab);
            for (int i = 0; i < stepLogits.size(); i++) System.arraycopy(stepLogits.get(i), 0, logits, (pre + i) * vocab, vocab);
            trace.floats("logits", logits, rows, vocab);
            trace.ids("input_ids", prompt);
            trace.ids("generated_ids", r.tokens());
        }
        var c = model.config().text();
        int n = prompt.length;
        int layers = c.numLayers();
        double flops = fastv != null
                ? Flops.prefill(layers, n, fastv.layer() + 1, n - kept.count() + fastv.kept(), c.hiddenSize(), c.intermediateSize())
                : Flops.prefill(layers, n, layers, n, c.hiddenSize(), c.intermediateSize());
        double attended = dp != null ? dp.attendedMean() : fastv != null ? fastv.kept() : kept.count();
        var seconds = first
                ? new Stats.Seconds(video.decode(), video.preprocess(), video.vision(), video.projectPool(), video.compress(), restore + r.prefillSeconds(), r.decodeSeconds(), video.overlapped())
                : new Stats.Seconds(0, 0, 0, 0, 0, restore + r.prefillSeconds(), r.decodeSeconds(), 0);
        double ttft = (first ? video.seconds() : 0) + (firstToken[0] - tStart) / 1e9;
        Stats stats = new Stats(comp.name(), nFrames, all.count(), kept.count(), attended, prompt.length, r.tokens().length,
                seconds, cache.bytes(), cache.prunedBytes(), flops, Bytes.peakRss(), !first || video.visionCached(), reused, ttft);
        return new Answer(text.toString(), r.tokens(), stats);
    }

    int firstVideoPosition(int[] prompt) {
        int vid = model.config().videoTokenId();
        for (int i = 0; i < prompt.length; i++) if (prompt[i] == vid) return i;
        throw new IllegalArgumentException("the prompt has no video token (id " + vid + ")");
    }

    /** {@link #encodeVideo} over pixel values already in memory, {@code [frames, 3, H, W]}, a batch at a time. */
    float[] encodePixels(float[] pixels, int frames, int batch, Trace trace, float[][] saliencyOut) {
        checkPixels(pixels, frames);
        int img = model.config().vision().imageSize(), per = 3 * img * img;
        int[] next = {0};
        return encodeVideo(nb -> {
            int f0 = next[0];
            next[0] += nb;
            return java.util.Arrays.copyOfRange(pixels, f0 * per, (f0 + nb) * per);
        }, frames, batch, trace, saliencyOut);
    }

    /** Vision tower, projector and pooling in batches of frames: {@code [F·tokensPerFrame, d]}. */
    float[] encodeVideo(IntFunction<float[]> nextBatch, int frames, int batch, Trace trace, float[][] saliencyOut) {
        var vc = model.config().vision();
        int P = vc.numPatches(), tpf = model.tokensPerFrame(), dv = vc.hiddenSize(), dt = model.config().text().hiddenSize();
        FrameFeatures out = frameFeatures(frames, saliencyOut != null);
        float[] hiddenAll = trace != null ? new float[frames * P * dv] : null;
        float[] projAll = trace != null ? new float[frames * P * dt] : null;
        projectPoolNanos = 0;
        encodeInto(nextBatch, out, batch, (f0, hidden, proj) -> {
            if (trace == null) return;
            System.arraycopy(hidden, 0, hiddenAll, f0 * P * dv, hidden.length);
            System.arraycopy(proj, 0, projAll, f0 * P * dt, proj.length);
        });
        if (saliencyOut != null) saliencyOut[0] = model.poolScores(out.received, frames);
        if (trace != null && saliencyOut != null) trace.floats("saliency", saliencyOut[0], (long) frames * tpf);
        if (trace != null) {
            trace.floats("vision_hidden", hiddenAll, frames, P, dv);
            trace.floats("projected", projAll, frames, P, dt);
            trace.floats("pooled", out.pooled, (long) frames * tpf, dt);
        }
        return out.pooled;
    }

    /** Room for the per-frame features of {@code frames} frames, with the received attention when {@code saliency}. */
    private FrameFeatures frameFeatures(int frames, boolean saliency) {
        return new FrameFeatures(frames, model.tokensPerFrame() * model.config().text().hiddenSize(),
                saliency ? model.config().vision().numPatches() : 0);
    }

    /** A batch's vision hidden states and projected rows, for a trace. */
    private interface BatchTrace {
        void batch(int f0, float[] hidden, float[] projected);
    }

    /**
     * The vision tower, projector and pooling on {@code out.frames} frames whose pixel values {@code nextBatch} gives
     * a batch at a time, into {@code out}, whose {@link FrameFeatures#done} counts the frames finished (so a pass
     * that fails part way keeps those before). Adds the projector and pooling time to {@link #projectPoolNanos}.
     */
    private void encodeInto(IntFunction<float[]> nextBatch, FrameFeatures out, int batch, BatchTrace trace) {
        var vc = model.config().vision();
        int per = 3 * vc.imageSize() * vc.imageSize(), P = vc.numPatches(), frames = out.frames;
        for (int f0 = 0; f0 < frames; f0 += batch) {
            int nb = Math.min(batch, frames - f0);
            progress.update("vision", f0, frames);
            float[] px = nextBatch.apply(nb);
            if (px.length != nb * per)
                throw new IllegalArgumentException("frames preprocess to " + px.length / (3 * nb) + " pixels, the vision tower takes "
                        + vc.imageSize() + "x" + vc.imageSize());
            float[] rec = out.received != null ? new float[nb * P] : null;
            float[] hidden = model.visionHidden(px, nb, rec);
            visionFrames += nb;
            if (rec != null) System.arraycopy(rec, 0, out.received, f0 * P, nb * P);
            long tp = System.nanoTime();
            float[] proj = model.project(hidden, nb * P);
            float[] pool = model.pool(proj, nb);
            projectPoolNanos += System.nanoTime() - tp;
            System.arraycopy(pool, 0, out.pooled, f0 * out.rowsPerFrame, pool.length);
            trace.batch(f0, hidden, proj);
            out.done = f0 + nb;
        }
        progress.update("vision", frames, frames);
    }

    /** How many frames have gone through the vision tower since this object was loaded (for tests of the reuse). */
    long visionFrames() {
        return visionFrames;
    }

    @Override
    public void close() {
        model.close();
    }
}
