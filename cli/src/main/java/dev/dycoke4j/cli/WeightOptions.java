package dev.dycoke4j.cli;

import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.pipeline.LoadOptions;
import picocli.CommandLine.Option;

import java.io.PrintWriter;

/**
 * {@code --weights}, {@code --weights-cache} and {@code --kv-cache}: how the checkpoint's weights and the language
 * model's KV cache are held, for run, trace, bench, demo and fidelity.
 */
final class WeightOptions {
    @Option(names = "--weights", paramLabel = "as-stored|q8", defaultValue = "as-stored",
            description = "as-stored: the checkpoint's F32/BF16 weights; q8: the language model's linear layers and LM head quantized at load "
                    + "to int8 with one scale per 32 weights (decode reads about half the bytes of BF16; vision stays as stored) (default: ${DEFAULT-VALUE}).")
    String weights;

    @Option(names = "--weights-cache", description = "With --weights q8: keep the int8 weights on disk (in DIR/.dycoke/ of the model, or in the "
            + "dycoke cache folder when the model folder is read-only) and read them back on the next run.")
    boolean cache;

    @Option(names = "--kv-cache", paramLabel = "f32|bf16", defaultValue = "f32",
            description = "The dtype of the language model's KV cache. bf16 halves the bytes each decode step reads from it (and its memory), "
                    + "rounding keys and values as a BF16 model does; attention still computes in F32 (default: ${DEFAULT-VALUE}).")
    String kvCache;

    KvCache.Precision kvPrecision() {
        KvCache.Precision p = KvCache.Precision.parse(kvCache);
        if (p == null) throw new UsageException("--kv-cache takes f32 or bf16; got '" + kvCache + "'");
        return p;
    }

    LoadOptions.WeightFormat format() {
        LoadOptions.WeightFormat f = LoadOptions.WeightFormat.parse(weights);
        if (f == null) throw new UsageException("--weights takes as-stored or q8; got '" + weights + "'");
        return f;
    }

    /** The load options; the cache's notes go to {@code err}. */
    LoadOptions options(PrintWriter err) {
        LoadOptions.WeightFormat f = format();
        if (cache && f != LoadOptions.WeightFormat.Q8) throw new UsageException("--weights-cache needs --weights q8");
        LoadOptions o = new LoadOptions(f, false, null, line -> {
            err.println(line);
            err.flush();
        }, kvPrecision());
        return cache ? o.withWeightsCache(DemoCommand.defaultCache()) : o;
    }
}
