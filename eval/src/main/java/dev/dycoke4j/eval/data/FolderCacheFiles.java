package dev.dycoke4j.eval.data;

import dev.dycoke4j.eval.CacheFiles;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * {@link CacheFiles} over lmms-eval's {@code HF_HOME} folder: text files read as UTF-8 (as the copy's
 * {@code open(..., encoding="utf-8")}), videos probed by a {@link VideoProber}.
 */
public final class FolderCacheFiles implements CacheFiles {
    private final Path hfHome;
    private final VideoProber prober;

    public FolderCacheFiles(Path hfHome, VideoProber prober) {
        this.hfHome = Objects.requireNonNull(hfHome, "hfHome");
        this.prober = Objects.requireNonNull(prober, "prober");
    }

    @Override
    public String text(String path) {
        Path p = hfHome.resolve(path);
        if (!Files.isRegularFile(p)) return null;
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new DataException(p + ": not UTF-8 text", e);
        } catch (IOException e) {
            throw new DataException(p + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public VideoProbe video(String path) {
        Path p = hfHome.resolve(path);
        return Files.exists(p) ? prober.probe(p) : null;
    }
}
