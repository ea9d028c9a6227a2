package dev.dycoke4j.pipeline;

import dev.dycoke4j.llm.KvCache;

import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * How a checkpoint is loaded: its weights as stored, or the language model's linear layers quantized to int8 at load
 * time ({@link WeightFormat#Q8}); with {@code cacheWeights}, the int8 weights are kept on disk (next to the model, or under
 * {@code cacheDir} when the model directory is not writable) and read back on the next load. {@code notes} gets the
 * one-line messages of the cache (a damaged file ignored, a file written). {@code kvCache} is the dtype of the language
 * model's KV cache: float32, or bfloat16 (half the bytes each decode step reads from it, rounded as a BF16 model rounds
 * them).
 */
public record LoadOptions(WeightFormat weights, boolean cacheWeights, Path cacheDir, Consumer<String> notes, KvCache.Precision kvCache) {
    /** The weight formats. */
    public enum WeightFormat {
        /** As the checkpoint stores them (F32 or BF16; F16 widened to F32). */
        AS_STORED,
        /** The language model's linear layers and LM head in symmetric int8, one F32 scale per block of 32 per row. */
        Q8;

        public String id() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** By id ({@code as-stored}, {@code q8}); null when unknown. */
        public static WeightFormat parse(String id) {
            for (WeightFormat w : values()) if (w.id().equals(id)) return w;
            return null;
        }
    }

    public LoadOptions {
        if (weights == null) throw new IllegalArgumentException("weights must not be null");
        if (notes == null) notes = System.err::println;
        if (kvCache == null) kvCache = KvCache.Precision.F32;
    }

    /** With a float32 KV cache. */
    public LoadOptions(WeightFormat weights, boolean cacheWeights, Path cacheDir, Consumer<String> notes) {
        this(weights, cacheWeights, cacheDir, notes, KvCache.Precision.F32);
    }

    public static LoadOptions asStored() {
        return new LoadOptions(WeightFormat.AS_STORED, false, null, null);
    }

    public static LoadOptions q8() {
        return new LoadOptions(WeightFormat.Q8, false, null, null);
    }

    /** The same, keeping the int8 weights on disk (under {@code fallbackDir} when the model directory is read-only). */
    public LoadOptions withWeightsCache(Path fallbackDir) {
        return new LoadOptions(weights, true, fallbackDir, notes, kvCache);
    }

    public LoadOptions withNotes(Consumer<String> n) {
        return new LoadOptions(weights, cacheWeights, cacheDir, n, kvCache);
    }

    /** The same, with a KV cache of {@code p}. */
    public LoadOptions withKvCache(KvCache.Precision p) {
        return new LoadOptions(weights, cacheWeights, cacheDir, notes, p);
    }
}
