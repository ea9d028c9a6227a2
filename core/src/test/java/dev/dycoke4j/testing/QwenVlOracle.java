package dev.dycoke4j.testing;

import dev.dycoke4j.io.Safetensors;

import java.nio.file.Path;

/** The shared Qwen2.5-VL oracle, {@code shared/oracle-qwen25vl} beside {@link Oracle#root()}. */
public final class QwenVlOracle {
    private QwenVlOracle() {
    }

    public static Path root() {
        return Oracle.shared().resolve("oracle-qwen25vl");
    }

    /** The tiny random checkpoint in the hub layout. */
    public static Path model() {
        return root().resolve("tiny-qwen25-vl");
    }

    public static Safetensors golden(String file) {
        return Safetensors.open(root().resolve("golden").resolve(file));
    }
}
