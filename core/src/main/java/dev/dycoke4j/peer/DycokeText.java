package dev.dycoke4j.peer;

import dev.dycoke4j.llm.Generator;
import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.llm.Qwen2Decoder;
import dev.dycoke4j.llm.Sampler;
import dev.dycoke4j.pipeline.LlavaOneVision;
import dev.dycoke4j.pipeline.LoadOptions;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * Our Qwen2 decoder alone (the vision tower is mapped but never run), read from a LLaVA-OneVision checkpoint as the
 * engine loads it (as stored, or int8 with {@code --weights q8}), through {@link Generator}: our side of every peer
 * benchmark.
 */
public final class DycokeText implements TextEngine {
    private final LlavaOneVision model;
    private final Qwen2Decoder dec;

    public DycokeText(Path dir, LoadOptions load) {
        model = LlavaOneVision.load(dir, load);
        dec = model.decoder();
    }

    @Override
    public Run generate(int[] prompt, int newTokens) {
        KvCache cache = dec.newCache(prompt.length + newTokens);
        Generator.Result r = Generator.run(dec, cache, dec.embed(prompt), prompt.length, Sampler.greedy(), newTokens, Set.of(), false, null);
        return new Run(r.tokens(), r.prefillSeconds(), r.decodeSeconds());
    }

    /** The logits of the next token after {@code prompt}: for checking that two engines run the same model. */
    public float[] nextLogits(int[] prompt) {
        float[] logits = dec.forward(dec.embed(prompt), prompt.length, dec.newCache(prompt.length), 1);
        return Arrays.copyOf(logits, dec.config().vocabSize());
    }

    @Override
    public void close() {
        model.close();
    }
}
