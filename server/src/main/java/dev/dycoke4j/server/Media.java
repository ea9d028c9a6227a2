package dev.dycoke4j.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A request's video on disk: an allowed local file, or a temporary copy that {@link #close} deletes. */
record Media(Path file, boolean temporary) implements AutoCloseable {
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
