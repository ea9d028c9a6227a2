package dev.dycoke4j.cli;

import dev.dycoke4j.pipeline.RandomCheckpoint;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.video.SyntheticClip;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@code bench} and {@code fidelity} run on by default, built once and cached: a random BF16 checkpoint with the
 * real dimensions of llava-onevision-qwen2-0.5b-ov-hf, and a synthetic 10 s 640x360 clip.
 */
final class BenchAssets {
    static final String VERSION = "v1";

    private BenchAssets() {
    }

    /** The cache folder: {@code cache} (or demo's default) / bench-v1. */
    static Path dir(Path cache) {
        return (cache != null ? cache : DemoCommand.defaultCache()).resolve("bench-" + VERSION);
    }

    /** The random 0.5B-shaped checkpoint, written on first use. */
    static Path model(Path cache, PrintWriter err) throws IOException {
        Path m = dir(cache).resolve("qwen2-0.5b-shape-bf16");
        if (!Files.exists(m.resolve(".complete"))) {
            err.println("dycoke: writing a random BF16 checkpoint with the real 0.5B dimensions to " + m + " (once, about 1.8 GB)");
            err.flush();
            RandomCheckpoint.write(m, RandomCheckpoint.Spec.qwen05b(DType.BF16), 1);
            Files.writeString(m.resolve(".complete"), VERSION + "\n");
        }
        return m;
    }

    /** The synthetic clip, encoded on first use. */
    static Path clip(Path cache, PrintWriter err) throws IOException {
        Path v = dir(cache).resolve("clip-640x360-10s.mp4");
        if (!Files.exists(v)) {
            err.println("dycoke: encoding a synthetic clip to " + v + " (once)");
            err.flush();
            SyntheticClip.write(v, 640, 360, 300, 30);
        }
        return v;
    }
}
