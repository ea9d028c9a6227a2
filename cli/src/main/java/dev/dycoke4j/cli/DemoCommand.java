package dev.dycoke4j.cli;

import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.pipeline.Answer;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.RandomCheckpoint;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VisionOptions;
import dev.dycoke4j.video.SyntheticClip;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code dycoke demo}: makes a synthetic clip and a small random-weight LLaVA-OneVision checkpoint in a cache folder
 * (once), then runs the main job on them. No download; the answer is meaningless by construction.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the whole pipeline on a synthetic clip with a small random-weight model (no download; the answer is meaningless).")
final class DemoCommand implements Callable<Integer> {
    static final String VERSION = "v5";

    @Spec
    CommandSpec spec;

    @Option(names = "--cache", paramLabel = "DIR", description = "Where the demo model and clip are kept (default: $DYCOKE_CACHE, $XDG_CACHE_HOME/dycoke4j or ~/.cache/dycoke4j).")
    Path cache;

    @Option(names = "--frames", paramLabel = "N", defaultValue = "8", description = "Frames to sample (default: ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "24", description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "7", description = "Sampling seed (default: ${DEFAULT-VALUE}); the demo samples at temperature 1.")
    long seed;

    @Mixin
    WeightOptions weights;

    @Mixin
    CommonOptions common;

    static Path defaultCache() {
        String env = System.getenv("DYCOKE_CACHE");
        if (env != null && !env.isBlank()) return Path.of(env);
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) return Path.of(xdg, "dycoke4j");
        return Path.of(System.getProperty("user.home"), ".cache", "dycoke4j");
    }

    @Override
    public Integer call() throws IOException {
        common.apply();
        var load = weights.options(spec.commandLine().getErr());
        if (frames < 1) throw new UsageException("--frames must be at least 1, got " + frames);
        if (maxNewTokens < 1) throw new UsageException("--max-new-tokens must be at least 1, got " + maxNewTokens);
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Path dir = (cache != null ? cache : defaultCache()).resolve("demo-" + VERSION);
        Path model = dir.resolve("model"), clip = dir.resolve("clip.mp4"), done = model.resolve(".complete");
        if (!Files.exists(done)) {
            err.println("dycoke demo: writing a random-weight model to " + model + " (once)");
            RandomCheckpoint.write(model, RandomCheckpoint.Spec.demo(), 42);
            Files.writeString(done, VERSION + "\n");
        }
        if (!Files.exists(clip)) {
            err.println("dycoke demo: encoding a synthetic clip to " + clip + " (once)");
            SyntheticClip.write(clip, 320, 240, 48, 12);
        }
        String question = "What happens in this video?";
        err.println("dycoke demo: a random-weight model answers, so the text is meaningless; it shows the pipeline runs.");
        err.println("dycoke demo: for a real answer: ./dycoke run --model llava-hf/llava-onevision-qwen2-0.5b-ov-hf (or a checkpoint DIR) --video clip.mp4 --prompt \"" + question + "\"");
        err.println("dycoke demo:   with DIR a download of llava-hf/llava-onevision-qwen2-0.5b-ov-hf");
        out.println("Q: " + question);
        out.print("A: ");
        out.flush();
        try (VideoQa qa = Prologue.load(model, model.toString(), load)) {
            Answer a = qa.ask(Prologue.video(clip, err)::frames, VisionOptions.of(frames), question,
                    new GenerationOptions(maxNewTokens, 1.0f, 0.95f, seed, false), CompressionMethods.none(), piece -> {
                        out.print(piece);
                        out.flush();
                    });
            out.println();
            out.flush();
            err.println(a.stats().line());
            err.flush();
        }
        return 0;
    }
}
