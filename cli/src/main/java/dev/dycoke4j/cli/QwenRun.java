package dev.dycoke4j.cli;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.EvsMethod;
import dev.dycoke4j.io.Qwen25VlVisionConfig;
import dev.dycoke4j.pipeline.Answer;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.LoadOptions;
import dev.dycoke4j.pipeline.Qwen25Vl;
import dev.dycoke4j.video.VideoReader;
import dev.dycoke4j.vision.QwenFrameSampler;
import dev.dycoke4j.vision.RgbFrame;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code dycoke run} on a Qwen2.5-VL checkpoint: the frames Qwen's sampler picks ({@link QwenFrameSampler#byCount}
 * over the container's frame count and rate, the timestamps taken as uniform), then {@link Qwen25Vl} for each
 * question, with run's text and JSON output. No caches; every question encodes the video again.
 */
final class QwenRun {
    private QwenRun() {
    }

    /**
     * Answers {@code prompts} about {@code video} with the checkpoint in {@code dir}, {@code frames} frames sampled;
     * refuses (one line each) a compression method {@link Qwen25Vl#checkSupported} refuses, a frame count that is not whole temporal patches,
     * and a folder of frames, before the weights load.
     */
    static void run(Path dir, String name, Path video, int frames, List<String> prompts, GenerationOptions opts,
                    CompressionMethod comp, LoadOptions load, boolean json, PrintWriter out, PrintWriter err) {
        try {
            Qwen25Vl.checkSupported(comp);
        } catch (IllegalArgumentException e) {
            if (comp instanceof EvsMethod) throw new UsageException("--compress evs needs --ratio on Qwen2.5-VL");
            String why = comp.needsFrameSignals() ? " needs each frame's signals from SigLIP's attention-pooling head, which Qwen2.5-VL's tower does not have"
                    : comp.needsVisionAttention() ? " ranks tokens by the vision tower's attention, which Qwen2.5-VL's tower does not give"
                    : " is not supported on Qwen2.5-VL yet";
            throw new UsageException("--compress " + comp.label() + why + " (supported: none, evs --ratio R, random, uniform, frames, vidcom2, dycoke, fastv, and --dp on with any of them)");
        }
        int tp = Qwen25VlVisionConfig.load(dir).temporalPatchSize();
        if (frames % tp != 0)
            throw new UsageException("--frames must be a multiple of " + tp + " on Qwen2.5-VL (it takes frames in groups of " + tp + "), got " + frames);
        if (!Files.exists(video)) throw new UsageException(video + ": video not found");
        if (Files.isDirectory(video)) throw new UsageException(video + ": a folder of frames has no frame rate; Qwen2.5-VL needs a video file");

        long t0 = System.nanoTime();
        VideoReader.Info info = VideoReader.info(video);
        if (info.frames() <= 0 || info.frames() > Integer.MAX_VALUE || !(info.fps() > 0))
            throw new IllegalArgumentException(video + ": the container states no frame count or frame rate, which Qwen2.5-VL's frame sampling needs");
        int total = (int) info.frames();
        QwenFrameSampler.Sample sample = QwenFrameSampler.byCount(QwenFrameSampler.uniformTimestamps(total, info.fps()), frames, tp);
        if (sample.count() < frames) {
            err.println("dycoke: " + video + " has only " + total + " frame" + (total == 1 ? "" : "s") + "; using " + sample.count() + " instead of " + frames);
            err.flush();
        }
        List<RgbFrame> rgb = VideoReader.readAt(video, sample.indices());
        double decodeSeconds = (System.nanoTime() - t0) / 1e9;

        ProgressBar bar = new ProgressBar(System.err);
        bar.message("loading " + name + " ...");
        try (Qwen25Vl qa = Qwen25Vl.load(dir, load)) {
            bar.clear();
            AnswerPrinter printer = new AnswerPrinter(json, prompts.size(), out, err);
            for (String prompt : prompts) {
                Answer a = qa.answer(rgb, sample.secondPerGridT(), decodeSeconds, prompt, opts, comp, printer.begin(prompt));
                printer.end(a);
            }
            printer.finish();
        } finally {
            bar.clear();
        }
    }
}
