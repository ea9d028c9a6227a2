package dev.dycoke4j.peer.jlama;

import dev.dycoke4j.io.Checkpoint;
import dev.dycoke4j.io.LlavaConfig;
import dev.dycoke4j.llm.Generator;
import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.llm.Qwen2Decoder;
import dev.dycoke4j.llm.Sampler;
import dev.dycoke4j.tensor.Weights;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/** Our Qwen2 decoder alone (no vision tower), read from a LLaVA-OneVision checkpoint, through {@link Generator}. */
final class DycokeText implements TextEngine {
    private final Checkpoint ck;
    private final Qwen2Decoder dec;

    DycokeText(Path model) {
        LlavaConfig cfg = LlavaConfig.load(model.resolve("config.json"));
        ck = Checkpoint.open(model);
        try {
            dec = new Qwen2Decoder(new Weights(ck), cfg);
        } catch (RuntimeException e) {
            ck.close();
            throw e;
        }
    }

    @Override
    public Run generate(int[] prompt, int newTokens) {
        KvCache cache = dec.newCache(prompt.length + newTokens);
        Generator.Result r = Generator.run(dec, cache, dec.embed(prompt), prompt.length, Sampler.greedy(), newTokens, Set.of(), false, null);
        return new Run(r.tokens(), r.prefillSeconds(), r.decodeSeconds());
    }

    @Override
    public float[] nextLogits(int[] prompt) {
        float[] logits = dec.forward(dec.embed(prompt), prompt.length, dec.newCache(prompt.length), 1);
        return Arrays.copyOf(logits, dec.config().vocabSize());
    }

    @Override
    public void close() {
        ck.close();
    }
}
