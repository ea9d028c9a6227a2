package dev.dycoke4j.llm;

import dev.dycoke4j.io.Checkpoint;
import dev.dycoke4j.io.Qwen25VlConfig;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.io.Weights;
import dev.dycoke4j.testing.Oracle;

import java.nio.file.Path;

/** The tiny Qwen2.5-VL oracle ({@code shared/oracle-qwen25vl}) and its language model loaded as the engine loads it. */
final class QwenOracle implements AutoCloseable {
    final Qwen25VlConfig config;
    final Checkpoint checkpoint;
    final Qwen2Decoder decoder;

    QwenOracle(Path dir) {
        config = Qwen25VlConfig.load(dir);
        checkpoint = Checkpoint.open(dir);
        decoder = new Qwen2Decoder(new Weights(checkpoint), config.text(), DecoderLayout.qwen25Vl(config, checkpoint), KvCache.Precision.F32);
    }

    static Path root() {
        return Oracle.shared().resolve("oracle-qwen25vl");
    }

    static Path model() {
        return root().resolve("tiny-qwen25-vl");
    }

    static Safetensors golden(String file) {
        return Safetensors.open(root().resolve("golden").resolve(file));
    }

    static QwenOracle load() {
        return new QwenOracle(model());
    }

    @Override
    public void close() {
        checkpoint.close();
    }
}
