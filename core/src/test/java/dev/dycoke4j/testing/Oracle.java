package dev.dycoke4j.testing;

import dev.dycoke4j.io.Safetensors;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the shared oracle lives, and its golden files: for the tests of every module (core's test jar). The oracle is
 * {@code shared/oracle} in the folder the system property {@code dycoke.shared} or the variable {@code DYCOKE_SHARED}
 * names, else in the nearest folder above the working directory that has one ({@code ../shared} beside the project).
 */
public final class Oracle {
    private Oracle() {
    }

    public static Path root() {
        String explicit = System.getProperty("dycoke.shared", System.getenv("DYCOKE_SHARED"));
        if (explicit != null) return Path.of(explicit, "oracle");
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path cand = p.resolve("shared").resolve("oracle");
            if (Files.isDirectory(cand)) return cand;
        }
        throw new IllegalStateException("shared/oracle not found above " + Path.of("").toAbsolutePath()
                + " (set -Ddycoke.shared=/path/to/shared)");
    }

    /** The read-only {@code shared/} folder that holds the oracle. */
    public static Path shared() {
        return root().getParent();
    }

    /** The real Qwen byte-level BPE {@code tokenizer.json}. */
    public static Path qwenTokenizer() {
        return shared().resolve("tokenizers/qwen-bpe/tokenizer.json");
    }

    public static Path model() {
        return root().resolve("tiny-llava-ov");
    }

    public static Path modelBf16() {
        return root().resolve("tiny-llava-ov-bf16");
    }

    public static Safetensors golden(String file) {
        return Safetensors.open(root().resolve("golden").resolve(file));
    }

    public static float maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        float m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    /**
     * Asserts max|actual - expected| ≤ tol · max|expected|: a relative error against the tensor's scale, so that
     * values near zero do not demand more than float32 can give.
     */
    public static void assertClose(String what, float[] actual, float[] expected, double tol) {
        float scale = 0;
        for (float v : expected) scale = Math.max(scale, Math.abs(v));
        float err = maxAbsDiff(actual, expected);
        if (!(err <= tol * scale))
            throw new AssertionError(what + ": max abs error " + err + " exceeds " + tol + " x scale " + scale);
    }

    /** max |a-b| / (|b| + floor): a relative error that does not blow up at zero. */
    public static float maxRelDiff(float[] a, float[] b, float floor) {
        if (a.length != b.length) throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        float m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (Math.abs(b[i]) + floor));
        return m;
    }
}
