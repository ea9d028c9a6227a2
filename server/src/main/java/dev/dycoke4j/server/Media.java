package dev.dycoke4j.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A request's video on disk: an allowed local file, or a temporary copy that {@link #close} deletes; no file for {@link #NONE}. */
record Media(Path file, boolean temporary) implements AutoCloseable {
    /** The media of a request without a video. */
    static final Media NONE = new Media(null, false);

    @Override
    public void close() {
        if (!temporary) return;
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            file.toFile().deleteOnExit();
        }
    }
}
