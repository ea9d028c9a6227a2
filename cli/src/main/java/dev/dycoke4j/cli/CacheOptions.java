package dev.dycoke4j.cli;

import dev.dycoke4j.pipeline.VideoQa;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Where run and chat keep vision features and prompt prefixes between processes. */
final class CacheOptions {
    /** Disk bounds of the two tiers. */
    static final long DISK_VISION_BYTES = 2L << 30, DISK_PREFIX_BYTES = 8L << 30;

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "Also keep vision features (up to 2 GiB) and prompt-prefix KV snapshots (up to 8 GiB) in DIR, so that a later process asking about the same video skips the vision tower and the video's prefill.")
    Path dir;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    void apply(VideoQa qa) {
        if (dir == null) return;
        if (java.nio.file.Files.exists(dir) && !java.nio.file.Files.isDirectory(dir))
            throw new UsageException(dir + ": --cache-dir is not a directory");
        qa.caches(VideoQa.DEFAULT_VISION_CACHE_BYTES, VideoQa.DEFAULT_PREFIX_CACHE_BYTES, dir, DISK_VISION_BYTES, DISK_PREFIX_BYTES);
        Consumer<String> warnings = verbose() ? this::warn : line -> { };
        qa.visionCache().warnings(warnings);
        qa.prefixCache().warnings(warnings);
    }

    /** Damaged cache entries are only misses, so they are mentioned with --verbose alone. */
    private boolean verbose() {
        OptionSpec v = command.findOption("--verbose");
        return v != null && Boolean.TRUE.equals(v.getValue());
    }

    private void warn(String line) {
        PrintWriter err = command.commandLine().getErr();
        err.println("dycoke: warning: " + line);
        err.flush();
    }
}
