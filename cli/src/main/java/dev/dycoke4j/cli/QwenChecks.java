package dev.dycoke4j.cli;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.EvsMethod;
import dev.dycoke4j.io.ModelFamily;
import dev.dycoke4j.io.Qwen25VlVisionConfig;
import dev.dycoke4j.pipeline.Qwen25Vl;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a command refuses on a Qwen2.5-VL checkpoint before the weights load, each in one line in the command's terms:
 * a compression method Qwen cannot run ({@link Qwen25Vl#checkSupported}), a frame count that is not whole temporal
 * patches, and a folder of frames (it has no frame rate, which Qwen's frame sampling and positions need). The run
 * itself goes through the same stages as LLaVA-OneVision's.
 */
final class QwenChecks {
    private QwenChecks() {
    }

    /** Whether the checkpoint in {@code dir} is Qwen2.5-VL (an unsupported architecture is refused in one line naming the supported ones). */
    static boolean isQwen(Path dir) {
        return Files.isRegularFile(dir.resolve("config.json")) && ModelFamily.of(dir) == ModelFamily.QWEN25_VL;
    }

    /** Refuses {@code comp} when Qwen2.5-VL cannot run it. */
    static void method(CompressionMethod comp) {
        try {
            Qwen25Vl.checkSupported(comp);
        } catch (IllegalArgumentException e) {
            if (comp instanceof EvsMethod) throw new UsageException("--compress evs needs --ratio on Qwen2.5-VL");
            String why = comp.needsFrameSignals() ? " needs each frame's signals from SigLIP's attention-pooling head, which Qwen2.5-VL's tower does not have"
                    : comp.needsVisionAttention() ? " ranks tokens by the vision tower's attention, which Qwen2.5-VL's tower does not give"
                    : " is not supported on Qwen2.5-VL yet";
            throw new UsageException("--compress " + comp.label() + why + " (supported: none, evs --ratio R, random, uniform, frames, vidcom2, dycoke, fastv, and --dp on with any of them)");
        }
    }

    /** Refuses a frame count that is not whole temporal patches of the checkpoint in {@code dir}. */
    static void frames(Path dir, int frames) {
        int tp = Qwen25VlVisionConfig.load(dir).temporalPatchSize();
        if (frames % tp != 0)
            throw new UsageException("--frames must be a multiple of " + tp + " on Qwen2.5-VL (it takes frames in groups of " + tp + "), got " + frames);
    }

    /** Refuses a video that is missing or a folder of frames. */
    static void video(Path video) {
        if (!Files.exists(video)) throw new UsageException(video + ": video not found");
        if (Files.isDirectory(video)) throw new UsageException(video + ": a folder of frames has no frame rate; Qwen2.5-VL needs a video file");
    }

    /** All of the above, for a command that answers about {@code video} with {@code comp} at {@code frames} frames. */
    static void all(Path dir, Path video, int frames, CompressionMethod comp) {
        method(comp);
        frames(dir, frames);
        video(video);
    }

    /** The same, the frames as {@code sampling} chooses them: by {@code --fps} (any count the rate gives) or by {@code --frames}. */
    static void all(Path dir, Path video, SamplingOptions sampling, CompressionMethod comp) {
        method(comp);
        if (!sampling.byRate()) frames(dir, sampling.vision().frames());
        video(video);
    }
}
