package dev.dycoke4j.cli;

import dev.dycoke4j.hub.ModelFiles;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;

/** {@code --model} (required) and {@code --offline}: the checkpoint run, chat, trace and tokenize use. */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR|ORG/NAME",
            description = "A checkpoint directory, or a Hugging Face model id org/name[@revision], used from the HF cache or downloaded into it "
                    + "(config.json, *.safetensors and tokenizer.json; tokenize reads only tokenizer.json).")
    String model;

    @Mixin
    HubOptions hub;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** The model's folder: a directory as it is, else the Hub id's snapshot, downloaded with {@code need}'s files if missing. */
    Path resolve(ModelFiles.Need need) {
        return hub.resolve(model, need, Main.env(command), command.commandLine().getErr());
    }
}
