package dev.dycoke4j.cli;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.hub.ModelFiles;
import dev.dycoke4j.pipeline.LoadOptions;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.video.VideoFileSource;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** What every command that runs the model does before its own work: find and load the model, open the video. */
final class Prologue {
    private Prologue() {
    }

    /**
     * The {@code --model} resolved and loaded with the weight options, a "loading" line shown while it loads and the
     * progress bar after (both only on a terminal).
     */
    static VideoQa load(ModelOptions model, WeightOptions weights) {
        PrintWriter err = model.command.commandLine().getErr();
        return load(model.resolve(ModelFiles.Need.MODEL), model.model, weights.options(err));
    }

    /** As {@link #load(ModelOptions, WeightOptions)}, with SigLIP's pooling head when {@code comp} needs the frame signals. */
    static VideoQa load(ModelOptions model, WeightOptions weights, CompressionMethod comp) {
        return load(model.resolve(ModelFiles.Need.MODEL), model, weights, comp);
    }

    /**
     * As {@link #load(ModelOptions, WeightOptions, CompressionMethod)}, from {@code dir}, the {@code --model} already
     * resolved; a method the checkpoint's family cannot run is refused in one line.
     */
    static VideoQa load(Path dir, ModelOptions model, WeightOptions weights, CompressionMethod comp) {
        VideoQa qa = load(dir, model.model, weights.options(model.command.commandLine().getErr()));
        try {
            qa.videoModel().checkMethod(comp);
        } catch (RuntimeException e) {
            qa.close();
            throw e;
        }
        if (!comp.needsFrameSignals()) return qa;
        try {
            return qa.poolingHead(PoolingHeadLoader.load(comp.name(), model.hub.env(Main.env(model.command)), qa.model().config().vision(),
                    model.command.commandLine().getErr()));
        } catch (RuntimeException e) {
            qa.close();
            throw e;
        }
    }

    /** The checkpoint in {@code dir}, shown as {@code name} while it loads, then with the progress bar. */
    static VideoQa load(Path dir, String name, LoadOptions load) {
        ProgressBar bar = new ProgressBar(System.err);
        bar.message("loading " + name + " ...");
        VideoQa qa = VideoQa.load(dir, load);
        bar.clear();
        qa.progress(bar);
        return qa;
    }

    /** {@code video} as the pipeline's source, a shortfall of frames said on {@code err}; one that does not exist is a usage error. */
    static VideoFileSource video(Path video, PrintWriter err) {
        if (!Files.exists(video)) throw new UsageException(video + ": video not found");
        return ShortVideoNotice.source(video, err);
    }
}
