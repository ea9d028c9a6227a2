package dev.dycoke4j.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

/**
 * HF tokenizers (Rust, through DJL) as the reference. DJL's JNI library (HF tokenizers 0.21.0) for linux-x86_64,
 * linux-aarch64, osx-aarch64 and win-x86_64 ships inside the {@code ai.djl.huggingface:tokenizers} jar; DJL copies it
 * from the class path to its cache folder, here {@code target/djl-cache}, and never downloads it.
 */
final class HfOracle implements AutoCloseable {
    private final HuggingFaceTokenizer tok;

    private HfOracle(HuggingFaceTokenizer tok) {
        this.tok = tok;
    }

    static HfOracle load(Path tokenizerJson) throws IOException {
        // Never reach the network, even when run outside Maven (surefire sets these too).
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        if (System.getenv("ENGINE_CACHE_DIR") == null && System.getProperty("ENGINE_CACHE_DIR") == null) {
            System.setProperty("ENGINE_CACHE_DIR", Path.of("target", "djl-cache").toAbsolutePath().toString());
        }
        return new HfOracle(HuggingFaceTokenizer.newInstance(
                tokenizerJson, Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false")));
    }

    int[] encode(String text) {
        return toInts(tok.encode(text, false, false).getIds());
    }

    List<int[]> encodeAll(List<String> texts) {
        Encoding[] encodings = tok.batchEncode(texts, false, false);
        return Arrays.stream(encodings).map(e -> toInts(e.getIds())).toList();
    }

    /** HF decode, keeping special tokens. */
    String decode(int[] ids) {
        return tok.decode(Arrays.stream(ids).asLongStream().toArray(), false);
    }

    @Override
    public void close() {
        tok.close();
    }

    private static int[] toInts(long[] ids) {
        return Arrays.stream(ids).mapToInt(Math::toIntExact).toArray();
    }
}
