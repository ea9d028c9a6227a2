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

    /** The nucleus as the whole vocabulary sorted by descending probability (stable) gives it: the reference. */
    static int sortedNucleus(float[] logits, float temperature, float topP, java.util.Random random) {
        int n = logits.length;
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) sum += p[i] = dev.dycoke4j.kernel.VectorExp.exp((double) ((logits[i] - max) / temperature));
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
        double acc = 0;
        int count = 0;
        while (count < n && acc < topP * sum) acc += p[order[count++]];
        double r = random.nextDouble() * acc;
        for (int j = 0; j < count; j++) {
            r -= p[order[j]];
            if (r <= 0) return order[j];
        }
        return order[count - 1];
    }

    @Test
    void theVectorExpOverTheVocabularyIsItsScalarTwinAndCloseToMathExp() {
        java.util.SplittableRandom gen = new java.util.SplittableRandom(9);
        for (int n : new int[]{1, 7, 8, 9, 1000, 1003}) {
            double[] x = new double[n], p = new double[n];
            for (int i = 0; i < n; i++) p[i] = x[i] = -gen.nextDouble() * 60;
            Sampler.expInPlace(p, n);
            for (int i = 0; i < n; i++) {
                assertEquals(dev.dycoke4j.kernel.VectorExp.exp(x[i]), p[i], 0.0, "lane " + i + " of " + n + ": the scalar twin's bits");
                assertEquals(Math.exp(x[i]), p[i], 1e-15 * Math.exp(x[i]), "lane " + i + " of " + n);
            }
        }
    }

    @Test
    void theNucleusIsTheOneASortOfTheWholeVocabularyGives() {
        java.util.SplittableRandom gen = new java.util.SplittableRandom(5);
        float[] temps = {0.3f, 1f, 2f};
        float[] tops = {0.05f, 0.5f, 0.9f, 0.999f};
        for (int trial = 0; trial < 30; trial++) {
            int n = 1 + gen.nextInt(1500);
            float[] logits = new float[n];
            int kind = trial % 3;
            for (int i = 0; i < n; i++)
                logits[i] = switch (kind) {
                    case 0 -> (float) (gen.nextGaussian() * 3);           // a spread distribution
                    case 1 -> gen.nextInt(4);                             // many ties
                    default -> i % 97 == 0 ? 40f : (float) gen.nextGaussian() - 60f; // a few tokens, a tail far below
                };
            for (float t : temps)
                for (float top : tops) {
                    long seed = gen.nextLong();
                    Sampler s = new Sampler(t, top, seed);
                    java.util.Random ref = new java.util.Random(seed);
                    for (int draw = 0; draw < 5; draw++)
                        assertEquals(sortedNucleus(logits, t, top, ref), s.sample(logits, 0, n),
                                "trial " + trial + ", n " + n + ", temperature " + t + ", top-p " + top + ", draw " + draw);
                }
        }
    }
}
