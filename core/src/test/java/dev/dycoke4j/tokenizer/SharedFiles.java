package dev.dycoke4j.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths into the project's read-only {@code shared/} folder, which lies beside the project's root. */
final class SharedFiles {
    private SharedFiles() {}

    static Path shared() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared");
            if (Files.isDirectory(candidate.resolve("oracle"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no shared/ folder beside the project root of " + Path.of("").toAbsolutePath());
    }

    static Path qwenTokenizer() {
        return shared().resolve("tokenizers/qwen-bpe/tokenizer.json");
    }

    static Path tinyTokenizer() {
        return shared().resolve("oracle/tiny-llava-ov/tokenizer.json");
    }

    static Path goldenForward() {
        return shared().resolve("oracle/golden/forward.safetensors");
    }
}
