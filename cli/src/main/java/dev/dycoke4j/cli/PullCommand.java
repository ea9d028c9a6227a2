package dev.dycoke4j.cli;

import dev.dycoke4j.hub.DownloadOptions;
import dev.dycoke4j.hub.HubEnv;
import dev.dycoke4j.hub.ModelFiles;
import dev.dycoke4j.hub.ModelRef;
import dev.dycoke4j.hub.ModelResolver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code dycoke pull}: download a model into the Hugging Face cache without running it; prints the snapshot folder. */
@Command(name = "pull", mixinStandardHelpOptions = true,
        description = "Download a LLaVA-OneVision or Qwen2.5-VL model from the Hugging Face Hub into the HF cache (only the files the engine needs), resuming what an earlier pull left; prints its folder.")
final class PullCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "ORG/NAME[@REV]", description = "A Hugging Face model id, such as llava-hf/llava-onevision-qwen2-0.5b-ov-hf or Qwen/Qwen2.5-VL-3B-Instruct.")
    String model;

    @Option(names = "--revision", paramLabel = "R", description = "A branch, tag or commit (default: main, or the @REV of the id).")
    String revision;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "4", description = "Files downloaded at once (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Mixin
    HubOptions hub;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() {
        common.apply();
        if (!ModelRef.looksLikeHubId(model)) throw new UsageException(model + ": not a Hugging Face model id (org/name[@revision])");
        if (parallel < 1) throw new UsageException("--parallel must be at least 1, got " + parallel);
        ModelRef ref;
        try {
            ref = ModelRef.parse(model);
            if (revision != null) {
                if (model.contains("@")) throw new UsageException("give the revision once: " + model + " and --revision " + revision);
                ref = ref.withRevision(revision);
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        HubEnv env = hub.env(main.env);
        err.println("dycoke pull: " + ref + " from " + (env.offline() ? "the cache (offline)" : env.endpoint()) + " into " + env.cache());
        err.flush();
        ModelResolver resolver = new ModelResolver(env, DownloadOptions.defaults().withParallel(parallel), new PullProgress(new ProgressBar(System.err), err));
        Path snap = resolver.pull(ref, ModelFiles.Need.MODEL);
        out.println(snap);
        out.flush();
        return 0;
    }
}
