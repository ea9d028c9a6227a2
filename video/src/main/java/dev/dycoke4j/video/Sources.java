package dev.dycoke4j.video;

import java.nio.file.Files;
import java.nio.file.Path;

/** Checks shared by the frame sources. */
final class Sources {
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
}
