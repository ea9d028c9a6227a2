package dev.dycoke4j.cli;

import dev.dycoke4j.hub.ModelFiles;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code --model}, {@code --video} and {@code --cache} of bench and fidelity: by default a random-weight checkpoint with
 * the real 0.5B dimensions and a synthetic clip ({@link BenchAssets}), made once and kept in the cache folder.
 */
final class BenchInputs {
    @Option(names = "--model", paramLabel = "DIR|ORG/NAME",
            description = "A checkpoint directory or a Hugging Face model id (default: a cached random-weight model with the real 0.5B dimensions).")
    String model;

    @Mixin
    HubOptions hub;

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

    /** The {@code --model} folder, else the default checkpoint, written on first use. */
    Path model() throws IOException {
        var err = command.commandLine().getErr();
        return model != null ? hub.resolve(model, ModelFiles.Need.MODEL, Main.env(command), err) : BenchAssets.model(cache, err);
    }

    /** The {@code --video}, else the default clip, encoded on first use. */
    Path video() throws IOException {
        return video != null ? video : BenchAssets.clip(cache, command.commandLine().getErr());
    }
}
