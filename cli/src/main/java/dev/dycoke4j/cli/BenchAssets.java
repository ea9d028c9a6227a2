package dev.dycoke4j.cli;

import dev.dycoke4j.pipeline.QwenRandomCheckpoint;
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
 * real dimensions of llava-onevision-qwen2-0.5b-ov-hf (or, with {@code --shape 7b}, of llava-onevision-qwen2-7b-ov-hf;
 * with {@code --shape qwen25vl-3b}, of Qwen/Qwen2.5-VL-3B-Instruct), with a random SigLIP pooling head beside a LLaVA-OneVision one, and a synthetic 10 s 640x360 clip.
 */
final class BenchAssets {
    static final String VERSION = "v1";

    /** The checkpoint shapes {@code --shape} names. */
    enum Shape {
        /** llava-onevision-qwen2-0.5b-ov-hf. */
        QWEN_05B("0.5b", "0.5B", "qwen2-0.5b-shape-bf16", RandomCheckpoint.Spec.qwen05b(DType.BF16)),
        /** llava-onevision-qwen2-7b-ov-hf. */
        QWEN_7B("7b", "7B", "qwen2-7b-shape-bf16", RandomCheckpoint.Spec.qwen7b(DType.BF16)),
        /** Qwen/Qwen2.5-VL-3B-Instruct. */
        QWEN25VL_3B("qwen25vl-3b", "Qwen2.5-VL-3B", "qwen25vl-3b-shape-bf16", QwenRandomCheckpoint.Spec.qwen25Vl3b(DType.BF16));

        final String label, title, folder;
        /** Bytes of its weights file. */
        final long bytes;
        private final java.util.function.Consumer<Path> writer;
        /** Writes SigLIP's pooling head beside the checkpoint (null: the family has no use for one). */
        private final java.util.function.Consumer<Path> head;

        Shape(String label, String title, String folder, RandomCheckpoint.Spec spec) {
            this(label, title, folder, spec.bytes(), dir -> RandomCheckpoint.write(dir, spec, 1), dir -> RandomCheckpoint.writePoolingHead(dir, spec, 1));
        }

        Shape(String label, String title, String folder, QwenRandomCheckpoint.Spec spec) {
            this(label, title, folder, spec.bytes(), dir -> QwenRandomCheckpoint.write(dir, spec, 1), null);
        }

        Shape(String label, String title, String folder, long bytes, java.util.function.Consumer<Path> writer, java.util.function.Consumer<Path> head) {
            this.label = label;
            this.title = title;
            this.folder = folder;
            this.bytes = bytes;
            this.writer = writer;
            this.head = head;
        }

        /** Whether it is a Qwen2.5-VL checkpoint (else LLaVA-OneVision). */
        boolean qwen() {
            return this == QWEN25VL_3B;
        }

        static Shape of(String label) {
            for (Shape s : values()) if (s.label.equals(label)) return s;
            throw new UsageException("--shape takes 0.5b, 7b or qwen25vl-3b; got '" + label + "'");
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
            long need = shape.bytes, free = freeBytes.applyAsLong(m);
            if (free < need)
                throw new IllegalStateException("not enough free disk space for the random " + shape.label + "-shaped checkpoint: it needs "
                        + Bytes.human(need) + ", " + Bytes.human(free) + " free at " + m);
            err.println("dycoke: writing a random BF16 checkpoint with the real " + shape.title + " dimensions to " + m
                    + " (once, " + Bytes.human(need) + " on disk; " + Bytes.human(free) + " free)");
            err.flush();
            shape.writer.accept(m);
            Files.writeString(m.resolve(".complete"), VERSION + "\n");
        }
        if (shape.head != null && !Files.exists(m.resolve(SiglipPoolingHead.BESIDE))) { // a checkpoint written before the checkpoints carried a head
            err.println("dycoke: writing a random SigLIP pooling head (for fastvid) beside " + m + " (once)");
            err.flush();
            shape.head.accept(m);
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
