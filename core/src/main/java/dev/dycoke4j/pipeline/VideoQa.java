package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionOptions;
import dev.dycoke4j.compress.Compressor;
import dev.dycoke4j.compress.DynamicPruning;
import dev.dycoke4j.compress.FastV;
import dev.dycoke4j.compress.Flops;
import dev.dycoke4j.compress.Method;
import dev.dycoke4j.compress.PruMergePlus;
import dev.dycoke4j.compress.RandomPruning;
import dev.dycoke4j.compress.UniformPruning;
import dev.dycoke4j.compress.VisionZip;
import dev.dycoke4j.compress.VisualTokens;
import dev.dycoke4j.io.ModelFormatException;
import dev.dycoke4j.llm.Generator;
import dev.dycoke4j.llm.KvCache;
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
    private Progress progress = Progress.NONE;

    private VideoQa(LlavaOneVision model, Tokenizer tokenizer, Preprocessor preprocessor) {
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
            return new VideoQa(m, tok, new Preprocessor(cfg));
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    public VideoQa progress(Progress p) {
        this.progress = p == null ? Progress.NONE : p;
        return this;
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
        return ask(video, frames, question, opts, CompressionOptions.none(), out);
    }

    /** As above, with a compression method. */
    public Answer ask(IntFunction<List<RgbFrame>> video, int frames, String question, GenerationOptions opts,
                      CompressionOptions comp, Consumer<String> out) {
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
                         CompressionOptions comp, Consumer<String> out, Trace trace) {
        return run(frames, null, 0, decodeSeconds, question, ids, opts, comp, out, trace);
    }

    /** The full request from preprocessed pixel values {@code [F, 3, H, W]}. */
    public Answer answerFromPixels(float[] pixels, int frames, String question, int[] ids, GenerationOptions opts,
                                   CompressionOptions comp, Consumer<String> out, Trace trace) {
        return run(null, pixels, frames, 0, question, ids, opts, comp, out, trace);
    }

    private Answer run(List<RgbFrame> frameList, float[] pixels, int nFrames, double decodeSeconds, String question, int[] ids,
                       GenerationOptions opts, CompressionOptions comp, Consumer<String> out, Trace trace) {
        int img = model.config().vision().imageSize();
        long t0 = System.nanoTime();
        if (pixels == null) {
            nFrames = frameList.size();
            pixels = preprocessor.pixels(frameList);
        }
        double preprocess = (System.nanoTime() - t0) / 1e9;
        if (trace != null) trace.floats("pixel_values", pixels, 1, nFrames, 3, img, img);

        long t1 = System.nanoTime();
        int tpf = model.tokensPerFrame(), dt = model.config().text().hiddenSize();
        float[][] saliency = comp.method().needsVisionAttention() ? new float[1][] : null;
        float[] pooled = encodeVideo(pixels, nFrames, opts.visionBatch(), trace, saliency);
        VisualTokens all = VisualTokens.pooled(pooled, nFrames, tpf, dt, saliency == null ? null : saliency[0]);
        double vision = (System.nanoTime() - t1) / 1e9;

        long t2 = System.nanoTime();
        VisualTokens kept = preLlm(comp, nFrames).compress(all);
        float[] videoEmbeds = model.withNewline(kept.features(), kept.count());
        double compress = (System.nanoTime() - t2) / 1e9;
        if (trace != null && comp.method() != Method.NONE) trace.ids("kept_indices", kept.sourceIndex());

        int[] prompt = ids != null ? ids : promptIds(question, kept.count() + 1);
        int ctx = model.config().text().maxPositions();
        if (prompt.length >= ctx)
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens (" + (kept.count() + 1)
                    + " of them video), more than the model's context of " + ctx + "; use fewer frames");
        float[] x = model.inputsEmbeds(prompt, videoEmbeds);
        if (trace != null) trace.floats("inputs_embeds", x.clone(), prompt.length, dt);

        int start = firstVideoPosition(prompt);
        int maxNew = Math.min(opts.maxNewTokens(), ctx - prompt.length);
        DynamicPruning dp = dynamicPruning(comp, start, kept.count(), maxNew);
        FastV fastv = fastV(comp, start, kept.count(), nFrames);

        KvCache cache = model.newCache(prompt.length + maxNew);
        Sampler sampler = new Sampler(opts.temperature(), opts.topP(), opts.seed());
        StreamDecoder sd = tokenizer.streamDecoder();
        StringBuilder text = new StringBuilder();
        int vocab = model.config().text().vocabSize();
        List<float[]> stepLogits = trace != null ? new ArrayList<>() : null;
        final float[][] prefillLogits = new float[1][];
        final int[] prefillRows = new int[1];
        Generator.Listener listener = new Generator.Listener() {
            @Override
            public void prefilled(float[] logits, int rows, double seconds) {
                prefillLogits[0] = logits;
                prefillRows[0] = rows;
            }

            @Override
            public void token(int id, float[] logits, int step) {
                if (stepLogits != null && step > 0) stepLogits.add(logits.clone());
                if (stopIds.contains(id) || id >= tokenizer.vocabSize()) return;
                String piece = sd.push(id);
                text.append(piece);
                if (out != null && !piece.isEmpty()) out.accept(piece);
            }
        };
        Generator.Result r = Generator.run(model.decoder(), cache, x, prompt.length, sampler, maxNew,
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
        var seconds = new Stats.Seconds(decodeSeconds, preprocess, vision, compress, r.prefillSeconds(), r.decodeSeconds());
        Stats stats = new Stats(comp.method().id(), nFrames, all.count(), kept.count(), attended, prompt.length, r.tokens().length,
                seconds, cache.bytes(), cache.prunedBytes(), flops, Bytes.peakRss());
        return new Answer(text.toString(), r.tokens(), stats);
    }

    /** DyCoke's DP for a request whose {@code visual} visual positions start at {@code start}; null when it doesn't run. */
    DynamicPruning dynamicPruning(CompressionOptions comp, int start, int visual, int maxNew) {
        if (comp.method() != Method.DYCOKE || !comp.dpEnabled()) return null;
        return new DynamicPruning(comp.dpMode(), checkLayer(comp.dpLayer(), "--dp-l"), comp.dpP(), start, visual, maxNew,
                comp.dpStore() == DynamicPruning.Store.COMPACT ? comp.dpStoreType() : null);
    }

    /** FastV's prefill hook for a request of {@code frames} frames; null unless the method is FastV. */
    FastV fastV(CompressionOptions comp, int start, int visual, int frames) {
        if (comp.method() != Method.FASTV) return null;
        return new FastV(checkLayer(comp.fastvLayer(), "--fastv-k"), start, visual,
                (int) Math.round(comp.ratioFor(frames, model.tokensPerFrame()) * visual));
    }

    private int checkLayer(int layer, String option) {
        int layers = model.config().text().numLayers();
        if (layer < 1 || layer > layers - 1)
            throw new IllegalArgumentException(option + " " + layer + " is outside 1.." + (layers - 1) + " for this " + layers + "-layer model");
        return layer;
    }

    int firstVideoPosition(int[] prompt) {
        int vid = model.config().videoTokenId();
        for (int i = 0; i < prompt.length; i++) if (prompt[i] == vid) return i;
        throw new IllegalArgumentException("the prompt has no video token (id " + vid + ")");
    }

    /** The pre-LLM compressor of a method. */
    static Compressor preLlm(CompressionOptions comp, int frames) {
        return switch (comp.method()) {
            case NONE, FASTV -> Compressor.NONE;
            case DYCOKE -> pooled -> comp.ttmFor(frames, pooled.tokensPerFrame()).compress(pooled);
            case RANDOM -> pooled -> new RandomPruning(comp.ratioFor(frames, pooled.tokensPerFrame()), comp.seed()).compress(pooled);
            case UNIFORM -> pooled -> new UniformPruning(comp.ratioFor(frames, pooled.tokensPerFrame())).compress(pooled);
            case PRUMERGE -> pooled -> new PruMergePlus(comp.ratioFor(frames, pooled.tokensPerFrame())).compress(pooled);
            case VISIONZIP -> pooled -> new VisionZip(comp.ratioFor(frames, pooled.tokensPerFrame()), VisionZip.DEFAULT_DOMINANT_SHARE).compress(pooled);
        };
    }

    /** Vision tower, projector and pooling in batches of frames: {@code [F·tokensPerFrame, d]}. */
    float[] encodeVideo(float[] pixels, int frames, int batch, Trace trace, float[][] saliencyOut) {
        var vc = model.config().vision();
        int per = 3 * vc.imageSize() * vc.imageSize(), P = vc.numPatches(), tpf = model.tokensPerFrame();
        int dv = vc.hiddenSize(), dt = model.config().text().hiddenSize();
        float[] pooled = new float[frames * tpf * dt];
        float[] hiddenAll = trace != null ? new float[frames * P * dv] : null;
        float[] projAll = trace != null ? new float[frames * P * dt] : null;
        float[] received = saliencyOut != null ? new float[frames * P] : null;
        for (int f0 = 0; f0 < frames; f0 += batch) {
            int nb = Math.min(batch, frames - f0);
            progress.update("vision", f0, frames);
            float[] px = java.util.Arrays.copyOfRange(pixels, f0 * per, (f0 + nb) * per);
            float[] rec = received != null ? new float[nb * P] : null;
            float[] hidden = model.visionHidden(px, nb, rec);
            if (rec != null) System.arraycopy(rec, 0, received, f0 * P, nb * P);
            float[] proj = model.project(hidden, nb * P);
            float[] pool = model.pool(proj, nb);
            System.arraycopy(pool, 0, pooled, f0 * tpf * dt, pool.length);
            if (trace != null) {
                System.arraycopy(hidden, 0, hiddenAll, f0 * P * dv, hidden.length);
                System.arraycopy(proj, 0, projAll, f0 * P * dt, proj.length);
            }
        }
        progress.update("vision", frames, frames);
        if (saliencyOut != null) saliencyOut[0] = model.poolScores(received, frames);
        if (trace != null && saliencyOut != null) trace.floats("saliency", saliencyOut[0], (long) frames * tpf);
        if (trace != null) {
            trace.floats("vision_hidden", hiddenAll, frames, P, dv);
            trace.floats("projected", projAll, frames, P, dt);
            trace.floats("pooled", pooled, (long) frames * tpf, dt);
        }
        return pooled;
    }

    @Override
    public void close() {
        model.close();
    }
}
