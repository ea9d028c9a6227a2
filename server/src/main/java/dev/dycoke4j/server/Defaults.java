package dev.dycoke4j.server;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.VisionOptions;

/**
 * What a request gets for each option it does not give: the server's command-line options.
 *
 * @param generation  max tokens, temperature, top-p and seed
 * @param vision      frames sampled from a video, and the vision batch (which requests do not choose)
 * @param compression the method and its options; a request naming the same method changes only the keys it gives
 */
public record Defaults(GenerationOptions generation, VisionOptions vision, CompressionMethod compression) {
    public Defaults {
        java.util.Objects.requireNonNull(generation, "generation");
        java.util.Objects.requireNonNull(vision, "vision");
        java.util.Objects.requireNonNull(compression, "compression");
    }

    /** Frames sampled from a video. */
    public int frames() {
        return vision.frames();
    }
}
