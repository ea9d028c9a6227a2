package dev.dycoke4j.cli;

import dev.dycoke4j.pipeline.VideoQa;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Where run and chat keep vision features and prompt prefixes between processes. */
final class CacheOptions {
    /** Disk bounds of the two tiers. */
    static final long DISK_VISION_BYTES = 2L << 30, DISK_PREFIX_BYTES = 8L << 30;

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "Also keep vision features (up to 2 GiB) and prompt-prefix KV snapshots (up to 8 GiB) in DIR, so that a later process asking about the same video skips the vision tower and the video's prefill.")
    Path dir;

    void apply(VideoQa qa) {
        if (dir == null) return;
        if (java.nio.file.Files.exists(dir) && !java.nio.file.Files.isDirectory(dir))
            throw new UsageException(dir + ": --cache-dir is not a directory");
        qa.caches(VideoQa.DEFAULT_VISION_CACHE_BYTES, VideoQa.DEFAULT_PREFIX_CACHE_BYTES, dir, DISK_VISION_BYTES, DISK_PREFIX_BYTES);
    }
}
