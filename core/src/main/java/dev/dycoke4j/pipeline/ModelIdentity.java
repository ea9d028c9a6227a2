package dev.dycoke4j.pipeline;

import dev.dycoke4j.cache.CacheKey;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.stream.Stream;

/**
 * Which checkpoint a cache entry came from, cheaply: the bytes of its JSON files (config, preprocessor config), and
 * the name, size and modification time of every other file (weights, tokenizer). A rewritten or replaced weight file
 * changes its size or time, so its cached features and prefixes are never reused.
 */
final class ModelIdentity {
    private ModelIdentity() {
    }

    static String of(Path dir) {
        CacheKey k = CacheKey.of("model");
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = s.filter(Files::isRegularFile).sorted().toList();
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.startsWith(".")) continue;
                if (name.equals("config.json") || name.equals("preprocessor_config.json")) {
                    k.bytes(name, Files.readAllBytes(f));
                } else {
                    BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                    k.number(name + "#size", a.size()).number(name + "#mtime", a.lastModifiedTime().toInstant().toEpochMilli() * 1_000_000L
                            + a.lastModifiedTime().toInstant().getNano() % 1_000_000);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot list the model directory (" + e.getMessage() + ")", e);
        }
        return k.hex();
    }
}
