package dev.dycoke4j.hub;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Opens the file a download writes to; a seam so that tests can make the disk fail. */
@FunctionalInterface
public interface BlobWriter {
    OutputStream open(Path file, boolean append) throws IOException;

    /** Appends to, or truncates, the file on disk. */
    BlobWriter DISK = (file, append) -> Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
}
