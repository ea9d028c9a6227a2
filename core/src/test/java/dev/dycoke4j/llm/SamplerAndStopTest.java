package dev.dycoke4j.llm;

import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.pipeline.LlavaOneVision;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Greedy and nucleus sampling, and the generation loop stopping at a stop token. */
class SamplerAndStopTest {
    @Test
    void greedyTakesTheFirstLargest() {
        assertEquals(2, Sampler.greedy().sample(new float[]{1f, 3f, 5f, 5f, -2f}, 0, 5));
        assertEquals(1, Sampler.argmax(new float[]{9f, 1f, 3f, 2f}, 1, 3), "over the window");
    }

    @Test
    void topPSmallIsGreedyAndSeedsRepeat() {
        float[] logits = {0.5f, 2.0f, 1.9f, -1f};
        Sampler nucleus = new Sampler(1.0f, 0.05f, 7);
        for (int i = 0; i < 50; i++) assertEquals(1, nucleus.sample(logits, 0, 4));
        int[] a = new int[200], b = new int[200];
        Sampler s1 = new Sampler(0.8f, 0.9f, 42), s2 = new Sampler(0.8f, 0.9f, 42);
        for (int i = 0; i < 200; i++) {
            a[i] = s1.sample(logits, 0, 4);
            b[i] = s2.sample(logits, 0, 4);
        }
        assertArrayEquals(a, b);
    }

    @Test
    void temperatureOneFollowsTheSoftmax() {
        float[] logits = {0f, (float) Math.log(3)}; // probabilities 1/4 and 3/4
        Sampler s = new Sampler(1f, 1f, 1);
        int ones = 0, n = 20000;
        for (int i = 0; i < n; i++) ones += s.sample(logits, 0, 2);
        assertEquals(0.75, (double) ones / n, 0.015);
    }

    @Test
    void topPDropsTheTail() {
        float[] logits = {5f, 4.9f, -10f, -10f}; // the last two hold ~1e-7 of the mass
        Sampler s = new Sampler(1f, 0.9f, 3);
        for (int i = 0; i < 2000; i++) assertTrue(s.sample(logits, 0, 4) < 2);
    }

    @Test
    void badSettings() {
        assertThrows(IllegalArgumentException.class, () -> new Sampler(-1f, 1f, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1f, 0f, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1f, 1.5f, 0));
    }

    @Test
    void generationStopsAtAStopTokenAndReturnsIt() {
        try (LlavaOneVision m = LlavaOneVision.load(Oracle.model()); Safetensors g = Oracle.golden("forward.safetensors")) {
            int[] ids = g.get("input_ids").toIntArray(), golden = g.get("generated_ids").toIntArray();
            var r = Generator.run(m.decoder(), m.newCache(ids.length + 12), m.inputsEmbeds(ids, g.get("video_embeds").toFloatArray()),
                    ids.length, Sampler.greedy(), 12, Set.of(golden[3]), false, null);
            int stopAt = 0;
            while (golden[stopAt] != golden[3]) stopAt++;
            assertTrue(r.stopped());
            assertArrayEquals(java.util.Arrays.copyOf(golden, stopAt + 1), r.tokens());
        }
    }
}
