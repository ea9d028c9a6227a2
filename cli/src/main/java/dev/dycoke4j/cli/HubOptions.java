package dev.dycoke4j.cli;

import dev.dycoke4j.hub.DownloadOptions;
import dev.dycoke4j.hub.HubEnv;
import dev.dycoke4j.hub.ModelFiles;
import dev.dycoke4j.hub.ModelResolver;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;

/** {@code --offline}, and turning a {@code --model} (a directory or a Hub id) into a folder through {@link ModelResolver}. */
final class HubOptions {
    @Option(names = "--offline", description = "Never use the network: a Hub id must be in the Hugging Face cache (as HF_HUB_OFFLINE=1).")
    boolean offline;

    /** The Hugging Face settings of this run, from the environment {@link Main} was given. */
    HubEnv env(Map<String, String> env) {
        HubEnv e = HubEnv.from(env, Path.of(System.getProperty("user.home")));
        return offline ? e.withOffline(true) : e;
    }

    /** A local directory as it is, else the snapshot folder of a Hub id, downloaded (with a progress line per file) if needed. */
    Path resolve(String model, ModelFiles.Need need, Map<String, String> env, PrintWriter err) {
        return new ModelResolver(env(env), DownloadOptions.defaults(), new PullProgress(new ProgressBar(System.err), err))
                .resolve(model, need);
    }
}
