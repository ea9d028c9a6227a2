package dev.dycoke4j.eval.data;

import dev.dycoke4j.eval.CacheFiles;

import java.nio.file.Path;

/**
 * Reads a video's frame rate and frame count as OpenCV's {@code CAP_PROP_FPS} and {@code CAP_PROP_FRAME_COUNT} report
 * them (0 and 0 for a file it cannot open). Supplied by whoever can decode video (the CLI, through the video module);
 * the data package only finds the file.
 */
@FunctionalInterface
public interface VideoProber {
    CacheFiles.VideoProbe probe(Path video);

    /** For runs that never probe: every existing file reads as OpenCV reads a file it cannot open. */
    VideoProber UNREADABLE = video -> new CacheFiles.VideoProbe(0.0, 0);
}
