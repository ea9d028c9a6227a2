package dev.dycoke4j.eval.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Files written whole or not at all: to a temporary file beside the target, forced to disk, then moved over it. */
final class AtomicFiles {
    private AtomicFiles() {
    }

    /** The temporary file {@code write} fills before it becomes {@code target}. */
    interface Writer {
        void write(Path tmp) throws IOException;
    }

    static void write(Path target, Writer w) {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try {
            w.write(tmp);
            try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                c.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the original error is the one to report
            }
            throw new UncheckedIOException(target + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    static void writeString(Path target, String text) {
        write(target, tmp -> Files.writeString(tmp, text, StandardCharsets.UTF_8));
    }
}
