package dev.dycoke4j.server;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.pipeline.GenerationOptions;

/**
 * What a request gets for each option it does not give: the server's command-line options.
 *
 * @param generation  max tokens, temperature, top-p, seed and the vision batch
 * @param frames      frames sampled from a video
 * @param compression the method and its options; a request naming the same method changes only the keys it gives
 */
public record Defaults(GenerationOptions generation, int frames, CompressionMethod compression) {
    public Defaults {
        if (frames < 1) throw new IllegalArgumentException("frames must be at least 1, got " + frames);
    }
}
