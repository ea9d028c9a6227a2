package dev.dycoke4j.peer.llamacpp;

import dev.dycoke4j.pipeline.RandomCheckpoint;
import dev.dycoke4j.tensor.DType;

import java.nio.file.Path;

/** A tiny random LLaVA-OneVision checkpoint (Qwen2 text side: 256 wide, 2 layers, 4 heads of 64 over 2 KV heads, tied head). */
final class TinyModel {
    private TinyModel() {
    }

    static Path write(Path dir) {
        RandomCheckpoint.write(dir, new RandomCheckpoint.Spec(64, 128, 1, 2, 28, 14, 256, 512, 2, 4, 2, 512, 500, 4096, true, DType.BF16), 3);
        return dir;
    }
}
