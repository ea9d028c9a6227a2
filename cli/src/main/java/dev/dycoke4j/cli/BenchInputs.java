package dev.dycoke4j.cli;

import dev.dycoke4j.hub.ModelFiles;
import dev.dycoke4j.io.ModelFamily;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code --model}, {@code --shape}, {@code --video} and {@code --cache} of bench and fidelity: by default a random-weight
 * checkpoint with the real 0.5B (or {@code --shape 7b}: 7B; {@code --shape qwen25vl-3b}: Qwen2.5-VL-3B) dimensions and a
 * synthetic clip ({@link BenchAssets}), made once and kept in the cache folder.
 */
final class BenchInputs {
    @Option(names = "--model", paramLabel = "DIR|ORG/NAME",
            description = "A checkpoint directory or a Hugging Face model id (default: a cached random-weight model with the real 0.5B dimensions).")
    String model;

    @Mixin
    HubOptions hub;

    @Option(names = "--shape", paramLabel = "0.5b|7b|qwen25vl-3b", defaultValue = "0.5b",
            description = "Without --model: the dimensions of the random checkpoint, llava-onevision-qwen2-0.5b-ov-hf's or -7b-ov-hf's (about 16 GB on disk, written once), "
                    + "or Qwen/Qwen2.5-VL-3B-Instruct's (about 7.5 GB) (default: ${DEFAULT-VALUE}).")
    String shape;

    @Option(names = "--video", paramLabel = "FILE", description = "A video (default: a cached synthetic 10 s 640x360 clip).")
    Path video;

    @Option(names = "--cache", paramLabel = "DIR", description = "Where the default model and clip are kept (default: as for demo).")
    Path cache;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** A {@code --video} that does not exist is a usage error. */
    void checkVideo() {
        if (video != null && !Files.exists(video)) throw new UsageException(video + ": video not found");
    }

    /**
     * The {@code --model} folder, else the default checkpoint, written on first use, for a command that runs
     * LLaVA-OneVision only (bench arena, which samples frames uniformly, and bench --peer): a Qwen2.5-VL folder (the
     * {@code qwen25vl-3b} shape once written, or a {@code --model}) is refused in one line that names it.
     */
    Path model() throws IOException {
        Path m = anyModel();
        if (Files.isRegularFile(m.resolve("config.json")) && ModelFamily.of(m) == ModelFamily.QWEN25_VL)
            throw new IllegalArgumentException(command.qualifiedName() + " runs LLaVA-OneVision checkpoints only so far; " + m
                    + " is a Qwen2.5-VL checkpoint (dycoke run --model " + m + " answers with it)");
        return m;
    }

    /** The {@code --model} folder, else the default checkpoint, written on first use, of either model family. */
    Path anyModel() throws IOException {
        var err = command.commandLine().getErr();
        BenchAssets.Shape s = BenchAssets.Shape.of(shape);
        if (model != null && s != BenchAssets.Shape.QWEN_05B) throw new UsageException("--shape chooses the random checkpoint; it does not go with --model");
        return model != null ? hub.resolve(model, ModelFiles.Need.MODEL, Main.env(command), err)
                : BenchAssets.model(cache, s, err, BenchAssets::usableSpace);
    }

    /** The {@code --video}, else the default clip, encoded on first use. */
    Path video() throws IOException {
        return video != null ? video : BenchAssets.clip(cache, command.commandLine().getErr());
    }
}
