package dev.dycoke4j.cli;

import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.io.SafetensorsWriter;
import dev.dycoke4j.pipeline.Answer;
import dev.dycoke4j.pipeline.LlavaOneVision;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.Trace;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VisionOptions;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

/** {@code dycoke trace}: run one request and write every named intermediate to a safetensors file. */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = "Write the intermediates (pixel_values, vision_hidden, projected, pooled, kept_indices, inputs_embeds, logits, generated_ids) to a safetensors file.")
final class TraceCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Mixin
    PoolingHeadOptions poolingHead;

    /** A video or pixel values already preprocessed, one of the two: so this --video is trace's own, not {@link VideoOptions}. */
    static final class Source {
        @Option(names = "--video", paramLabel = "FILE", description = "A video file or a folder of frames.")
        Path video;

        @Option(names = "--pixel-values", paramLabel = "F.safetensors", description = "Preprocessed pixels [1, F, 3, H, W] or [F, 3, H, W] (the tensor pixel_values_videos, pixel_values, or the only one).")
        Path pixels;
    }

    @ArgGroup(multiplicity = "1")
    Source source;

    static final class Prompt {
        @Option(names = "--input-ids", paramLabel = "1,2,3", split = ",", description = "Prompt ids, with the video token repeated once per video position (the HF processor's convention).")
        int[] inputIds;

        @Option(names = "--prompt", paramLabel = "TEXT", description = "A question, put in the chat template.")
        String prompt;
    }

    @ArgGroup(multiplicity = "1")
    Prompt prompt;

    @Option(names = "--out", required = true, paramLabel = "F.safetensors", description = "Where to write the trace.")
    Path out;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    CompressOptions compress;

    @Mixin
    WeightOptions weights;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() {
        common.apply();
        if (!spec.commandLine().getParseResult().hasMatchedOption("--max-new-tokens")) sampling.maxNewTokens = 16;
        GenerationOptions opts = sampling.options();
        VisionOptions vision = sampling.byCountOnly("dycoke trace");
        var comp = compress.options();
        SafetensorsWriter w = new SafetensorsWriter();
        Trace trace = new Trace() {
            @Override
            public void floats(String name, float[] data, long... shape) {
                w.add(name, DType.F32, data, shape);
            }

            @Override
            public void ids(String name, int[] ids) {
                w.addLongs(name, Arrays.stream(ids).asLongStream().toArray(), ids.length);
            }
        };
        try (VideoQa qa = Prologue.load(model, weights, poolingHead, comp)) {
            Answer a;
            if (source.pixels != null && !(qa.videoModel() instanceof LlavaOneVision))
                throw new UsageException("--pixels takes LLaVA-OneVision's pixel values; " + qa.videoModel().familyName() + " takes --video");
            if (source.pixels != null) {
                float[][] px = new float[1][];
                int frames = readPixels(source.pixels, qa.model().config().vision().imageSize(), px);
                a = qa.answerFromPixels(px[0], vision.withFrames(frames), prompt.prompt, prompt.inputIds, opts, comp, null, trace);
            } else {
                var video = Prologue.video(source.video, spec.commandLine().getErr());
                long t0 = System.nanoTime();
                var sampled = qa.visionStage().sample(video, vision.frames());
                a = qa.answer(sampled.frames(), sampled.secondsPerStep(), (System.nanoTime() - t0) / 1e9, vision, prompt.prompt, prompt.inputIds,
                        opts, comp, null, trace);
            }
            w.write(out);
            spec.commandLine().getOut().println("wrote " + out + " (" + a.tokenIds().length + " generated tokens: " + TokenizeCommand.json(a.tokenIds()) + ")");
        }
        return 0;
    }

    /** Reads pixel values into {@code into[0]} and returns the frame count. */
    static int readPixels(Path file, int img, float[][] into) {
        try (Safetensors st = Safetensors.open(file)) {
            Tensor t = st.tensors().get("pixel_values_videos");
            if (t == null) t = st.tensors().get("pixel_values");
            if (t == null && st.tensors().size() == 1) t = st.tensors().values().iterator().next();
            if (t == null) throw new UsageException(file + ": has no tensor pixel_values_videos or pixel_values");
            long[] s = t.shape();
            if (s.length == 5 && s[0] == 1) s = Arrays.copyOfRange(s, 1, 5);
            if (s.length != 4 || s[1] != 3 || s[2] != img || s[3] != img)
                throw new UsageException(file + ": tensor " + t.name() + " has shape " + Arrays.toString(t.shape()) + "; expected [1, F, 3, " + img + ", " + img + "]");
            if (!t.dtype().isFloat()) throw new UsageException(file + ": tensor " + t.name() + " has dtype " + t.dtype() + ", not a float type");
            into[0] = t.toFloatArray();
            return (int) s[0];
        }
    }
}
