package dev.dycoke4j.cli;

import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.VisionOptions;
import dev.dycoke4j.video.VideoFileSource;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Frames and generation options shared by run, chat and trace. */
final class SamplingOptions {
    @Option(names = "--frames", paramLabel = "N", defaultValue = "32", description = "Frames sampled uniformly from the video (default: ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--fps", paramLabel = "F",
            description = "Qwen2.5-VL only, instead of --frames: about F frames per second of video, as qwen-vl-utils samples them (at least 4, at most 768, an even count), placed in time by the file's own timestamps.")
    Double fps;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "256", description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0", description = "0 for greedy decoding (default), else sampling temperature.")
    float temperature;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1", description = "Nucleus sampling mass in (0, 1] (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--vision-batch", paramLabel = "N", defaultValue = "8", description = "Frames per vision-tower batch (default: ${DEFAULT-VALUE}).")
    int visionBatch;

    /** The generation options, after checking every flag here (the vision ones too: a bad one is refused before the model loads). */
    GenerationOptions options() {
        check();
        return new GenerationOptions(maxNewTokens, temperature, topP, seed, false);
    }

    /** How the video is encoded: {@code --frames} frames ({@code --fps} on Qwen2.5-VL samples by rate instead), {@code --vision-batch} at a time. */
    VisionOptions vision() {
        check();
        return new VisionOptions(frames, visionBatch);
    }

    /** {@link #vision()} for a command that samples by {@code --frames} only ({@code name}, as the user typed it). */
    VisionOptions byCountOnly(String name) {
        if (fps != null) throw new UsageException("--fps is taken by dycoke run, chat and bench; " + name + " samples --frames N frames");
        return vision();
    }

    /** Whether {@code --fps} was given (checked by {@link #fps}). */
    boolean byRate() {
        return fps != null;
    }

    /**
     * {@code --fps}, or null without it, checked for a checkpoint of Qwen2.5-VL ({@code qwen}) or not: LLaVA-OneVision
     * samples by count only, and the rate goes neither with {@code --frames} nor below or at 0.
     */
    Double fps(boolean qwen) {
        if (fps == null) return null;
        if (!qwen) throw new UsageException("--fps samples Qwen2.5-VL's frames by rate; LLaVA-OneVision takes --frames N frames uniformly");
        if (command != null && command.commandLine() != null && command.commandLine().getParseResult() != null
                && command.commandLine().getParseResult().hasMatchedOption("--frames"))
            throw new UsageException("--fps and --frames both choose how many frames Qwen2.5-VL sees; give one of them");
        if (!(fps > 0) || fps.isInfinite()) throw new UsageException("--fps must be a positive number of frames per second, got " + fps);
        return fps;
    }

    /** {@code source}, sampled at {@code --fps} when given (after {@link #fps} checked it for the checkpoint's family). */
    VideoFileSource source(VideoFileSource source, boolean qwen) {
        Double f = fps(qwen);
        return f == null ? source : source.byRate(f);
    }

    private void check() {
        if (frames < 1) throw new UsageException("--frames must be at least 1, got " + frames);
        if (maxNewTokens < 1) throw new UsageException("--max-new-tokens must be at least 1, got " + maxNewTokens);
        if (!(temperature >= 0)) throw new UsageException("--temperature must be 0 or more, got " + temperature);
        if (!(topP > 0 && topP <= 1)) throw new UsageException("--top-p must be in (0, 1], got " + topP);
        if (visionBatch < 1) throw new UsageException("--vision-batch must be at least 1, got " + visionBatch);
    }
}
