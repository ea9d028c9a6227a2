package dev.dycoke4j.video;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks and messages shared by the frame sources. */
final class Sources {
    /** Where the "fewer frames than requested" notice goes; tests may swap it. */
    static volatile PrintStream notices = System.err;

    private Sources() {
    }

    static void checkCount(Path source, int n) {
        if (n <= 0) throw new VideoException(source + ": asked for " + n + " frames; the number of frames must be at least 1");
    }

    static void checkFile(Path file) {
        if (!Files.exists(file)) throw new VideoException(file + ": no such file");
        if (Files.isDirectory(file)) throw new VideoException(file + ": is a folder, not a video file");
        if (!Files.isReadable(file)) throw new VideoException(file + ": cannot be read (permission denied)");
    }

    static void noticeFewer(Path source, int total, int n) {
        notices.println("dycoke: " + source + " has only " + total + " decodable frame" + (total == 1 ? "" : "s")
                + ", fewer than the " + n + " requested; using each frame once");
    }
}
