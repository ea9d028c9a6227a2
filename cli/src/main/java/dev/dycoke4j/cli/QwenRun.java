package dev.dycoke4j.cli;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.EvsMethod;
import dev.dycoke4j.io.Qwen25VlVisionConfig;
import dev.dycoke4j.pipeline.Answer;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.LoadOptions;
import dev.dycoke4j.pipeline.Qwen25Vl;
import dev.dycoke4j.video.QwenVideoReader;
import dev.dycoke4j.vision.QwenFrameSampler;
import dev.dycoke4j.vision.QwenSampling;
import dev.dycoke4j.vision.RgbFrame;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code dycoke run} on a Qwen2.5-VL checkpoint: the frames Qwen's sampler picks ({@link QwenFrameSampler}, by
 * count or by rate, over the file's own frame timestamps: {@link QwenVideoReader}), then {@link Qwen25Vl} for each
 * question, with run's text and JSON output. No caches; every question encodes the video again.
 */
final class QwenRun {
    private QwenRun() {
    }

    /**
     * Answers {@code prompts} about {@code video} with the checkpoint in {@code dir}, its frames sampled as {@code sampling} says;
     * refuses (one line each) a compression method {@link Qwen25Vl#checkSupported} refuses, a frame count that is not whole temporal patches,
     * and a folder of frames, before the weights load.
     */
    static void run(Path dir, String name, Path video, QwenSampling sampling, List<String> prompts, GenerationOptions opts,
                    CompressionMethod comp, LoadOptions load, boolean json, PrintWriter out, PrintWriter err) {
        try {
            Qwen25Vl.checkSupported(comp);
        } catch (IllegalArgumentException e) {
            if (comp instanceof EvsMethod) throw new UsageException("--compress evs needs --ratio on Qwen2.5-VL");
            String why = comp.needsFrameSignals() ? " needs each frame's signals from SigLIP's attention-pooling head, which Qwen2.5-VL's tower does not have"
                    : comp.needsVisionAttention() ? " ranks tokens by the vision tower's attention, which Qwen2.5-VL's tower does not give"
                    : " is not supported on Qwen2.5-VL yet";
            throw new UsageException("--compress " + comp.label() + why + " (supported: none, evs --ratio R, random, uniform, frames, vidcom2, dycoke, fastv, and --dp on with any but fastv)");
        }
        int tp = Qwen25VlVisionConfig.load(dir).temporalPatchSize();
        int frames = sampling.frames();
        if (!sampling.byRate() && frames % tp != 0)
            throw new UsageException("--frames must be a multiple of " + tp + " on Qwen2.5-VL (it takes frames in groups of " + tp + "), got " + frames);
        if (!Files.exists(video)) throw new UsageException(video + ": video not found");
        if (Files.isDirectory(video)) throw new UsageException(video + ": a folder of frames has no frame rate; Qwen2.5-VL needs a video file");

        long t0 = System.nanoTime();
        QwenVideoReader.Read read = QwenVideoReader.read(video, sampling, tp);
        QwenFrameSampler.Sample sample = read.sample();
        int total = read.totalFrames();
        if (!sampling.byRate() && sample.count() < frames) {
            err.println("dycoke: " + video + " has only " + total + " frame" + (total == 1 ? "" : "s") + "; using " + sample.count() + " instead of " + frames);
            err.flush();
        }
        List<RgbFrame> rgb = read.frames();
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
