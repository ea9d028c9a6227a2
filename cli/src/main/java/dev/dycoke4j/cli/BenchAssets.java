package dev.dycoke4j.cli;

import dev.dycoke4j.pipeline.RandomCheckpoint;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.video.SyntheticClip;
import dev.dycoke4j.vision.SiglipPoolingHead;

import dev.dycoke4j.platform.Bytes;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.ToLongFunction;

/**
 * What {@code bench} and {@code fidelity} run on by default, built once and cached: a random BF16 checkpoint with the
 * real dimensions of llava-onevision-qwen2-0.5b-ov-hf (or, with {@code --shape 7b}, of llava-onevision-qwen2-7b-ov-hf),
 * with a random SigLIP pooling head beside it, and a synthetic 10 s 640x360 clip.
 */
final class BenchAssets {
    static final String VERSION = "v1";

    /** The checkpoint shapes {@code --shape} names. */
    enum Shape {
        /** llava-onevision-qwen2-0.5b-ov-hf. */
        QWEN_05B("0.5b", "qwen2-0.5b-shape-bf16", RandomCheckpoint.Spec.qwen05b(DType.BF16)),
        /** llava-onevision-qwen2-7b-ov-hf. */
        QWEN_7B("7b", "qwen2-7b-shape-bf16", RandomCheckpoint.Spec.qwen7b(DType.BF16));

        final String label, folder;
        final RandomCheckpoint.Spec spec;

        Shape(String label, String folder, RandomCheckpoint.Spec spec) {
            this.label = label;
            this.folder = folder;
            this.spec = spec;
        }

        static Shape of(String label) {
            for (Shape s : values()) if (s.label.equals(label)) return s;
            throw new UsageException("--shape takes 0.5b or 7b; got '" + label + "'");
        }
    }

    /** Free bytes on the file system that holds {@code dir} (or its nearest existing parent). */
    static long usableSpace(Path dir) {
        Path p = dir.toAbsolutePath();
        while (p != null && !Files.exists(p)) p = p.getParent();
        try {
            return Files.getFileStore(p == null ? Path.of(".") : p).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot read the free disk space (" + e.getMessage() + ")", e);
        }
    }

    private BenchAssets() {
    }

    /** The cache folder: {@code cache} (or demo's default) / bench-v1. */
    static Path dir(Path cache) {
        return (cache != null ? cache : DemoCommand.defaultCache()).resolve("bench-" + VERSION);
    }

    /** The random 0.5B-shaped checkpoint, written on first use. */
    static Path model(Path cache, PrintWriter err) throws IOException {
        return model(cache, Shape.QWEN_05B, err, BenchAssets::usableSpace);
    }

    /**
     * The random checkpoint of {@code shape}, written on first use after saying where and how big, and refused (one
     * line, nothing written) when the file system has less than its size free, as {@code freeBytes} reports.
     */
    static Path model(Path cache, Shape shape, PrintWriter err, ToLongFunction<Path> freeBytes) throws IOException {
        Path m = dir(cache).resolve(shape.folder);
        if (!Files.exists(m.resolve(".complete"))) {
            long need = shape.spec.bytes(), free = freeBytes.applyAsLong(m);
            if (free < need)
                throw new IllegalStateException("not enough free disk space for the random " + shape.label + "-shaped checkpoint: it needs "
                        + Bytes.human(need) + ", " + Bytes.human(free) + " free at " + m);
            err.println("dycoke: writing a random BF16 checkpoint with the real " + shape.label.toUpperCase(java.util.Locale.ROOT) + " dimensions to " + m
                    + " (once, " + Bytes.human(need) + " on disk; " + Bytes.human(free) + " free)");
            err.flush();
            RandomCheckpoint.write(m, shape.spec, 1);
            Files.writeString(m.resolve(".complete"), VERSION + "\n");
        }
        if (!Files.exists(m.resolve(SiglipPoolingHead.BESIDE))) { // a checkpoint written before the checkpoints carried a head
            err.println("dycoke: writing a random SigLIP pooling head (for fastvid) beside " + m + " (once)");
            err.flush();
            RandomCheckpoint.writePoolingHead(m, shape.spec, 1);
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
