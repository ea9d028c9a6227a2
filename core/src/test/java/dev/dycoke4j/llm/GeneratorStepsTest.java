package dev.dycoke4j.llm;

import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.pipeline.LlavaOneVision;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The steppable loop on the oracle model: a prefill in chunks at the cache's length, and teacher forcing. */
class GeneratorStepsTest {
    @Test
    void aPrefillInChunksGivesTheGoldenGreedyTokens() {
        try (LlavaOneVision m = LlavaOneVision.load(Oracle.model()); Safetensors g = Oracle.golden("forward.safetensors")) {
            int[] ids = g.get("input_ids").toIntArray(), golden = g.get("generated_ids").toIntArray();
            float[] x = m.inputsEmbeds(ids, g.get("video_embeds").toFloatArray());
            for (int chunk : new int[]{1, 7, ids.length}) {
                KvCache cache = m.newCache(ids.length + 12);
                Generator gen = new Generator(m.decoder(), cache, x.clone(), ids.length, Sampler.greedy(), 12, Set.of(), null, null);
                int chunks = 0;
                while (!gen.prefillDone()) {
                    gen.prefill(chunk, false);
                    chunks++;
                    assertEquals(Math.min(chunks * chunk, ids.length), cache.length(), "each chunk continues at the cache's length");
                }
                while (!gen.done()) gen.next();
                assertArrayEquals(golden, gen.tokens(), "chunks of " + chunk);
            }
        }
    }

    @Test
    void theDecodingLoopDoesNotHoldThePromptRows() {
        try (LlavaOneVision m = LlavaOneVision.load(Oracle.model()); Safetensors g = Oracle.golden("forward.safetensors")) {
            int[] ids = g.get("input_ids").toIntArray(), golden = g.get("generated_ids").toIntArray();
            float[] video = g.get("video_embeds").toFloatArray();
            for (int chunk : new int[]{ids.length, 7}) {
                float[] x = m.inputsEmbeds(ids, video);
                WeakReference<float[]> prompt = new WeakReference<>(x);
                Generator gen = new Generator(m.decoder(), m.newCache(ids.length + 12), x, ids.length, Sampler.greedy(), 12, Set.of(), null, null);
                x = null;
                while (!gen.prefillDone()) gen.prefill(chunk, false);
                for (int i = 0; i < 10 && prompt.get() != null; i++) System.gc();
                assertTrue(prompt.get() == null, "the prompt's rows, video rows among them, are garbage once in the cache (chunks of " + chunk + ")");
                while (!gen.done()) gen.next();
                assertArrayEquals(golden, gen.tokens(), "chunks of " + chunk);
            }
        }
    }

    @Test
    void forcedTokensAreFedInsteadOfSampledOnes() {
        try (LlavaOneVision m = LlavaOneVision.load(Oracle.model()); Safetensors g = Oracle.golden("forward.safetensors")) {
            int[] ids = g.get("input_ids").toIntArray(), golden = g.get("generated_ids").toIntArray();
            float[] x = m.inputsEmbeds(ids, g.get("video_embeds").toFloatArray());
            Generator gen = new Generator(m.decoder(), m.newCache(ids.length + 4), x, ids.length, Sampler.greedy(), 4, Set.of(), null, null);
            assertThrows(IllegalStateException.class, gen::next, "nothing to sample before the prefill");
            gen.prefill(ids.length, false);
            int[] forced = {golden[0], 7, 9, 11};
            for (int t : forced) assertEquals(t, gen.next(t));
            assertTrue(gen.done());
            assertArrayEquals(forced, gen.tokens());
            assertEquals(ids.length + 3, gen.cache().length(), "the last token is not run: nothing follows it");
        }
    }
}
