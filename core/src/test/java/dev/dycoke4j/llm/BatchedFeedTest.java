package dev.dycoke4j.llm;

import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.pipeline.LlavaOneVision;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Generator#feed(List)}: loops fed as one batch stop as they stop alone, at their own stop token or token limit,
 * and those over take no more steps while the others go on.
 */
class BatchedFeedTest {
    /**
     * Prompt rows (relative to the golden prompt's), token limit, and whether the loop has a stop token: the first
     * token its free run gives from the third on that it did not give before.
     */
    record Loop(int rows, int maxNew, boolean stopAtThird) {
    }

    static final List<Loop> LOOPS = List.of(new Loop(0, 10, true), new Loop(-5, 7, false), new Loop(-20, 12, true),
            new Loop(-1, 2, false), new Loop(-40, 9, false));

    @Test
    void loopsFedAsOneBatchStopAsTheyStopAloneAndDropOut() {
        try (LlavaOneVision m = LlavaOneVision.load(Oracle.model()); Safetensors g = Oracle.golden("forward.safetensors")) {
            int[] ids = g.get("input_ids").toIntArray();
            float[] x = m.inputsEmbeds(ids, g.get("video_embeds").toFloatArray());
            int d = m.config().text().hiddenSize();
            List<float[]> prompts = new ArrayList<>();
            List<Set<Integer>> stops = new ArrayList<>();
            List<Generator.Result> alone = new ArrayList<>();
            for (Loop l : LOOPS) {
                int rows = ids.length + l.rows;
                float[] p = Arrays.copyOf(x, rows * d);
                prompts.add(p);
                Set<Integer> stop = Set.of();
                if (l.stopAtThird) {
                    int[] free = Generator.run(m.decoder(), m.newCache(rows + l.maxNew), p.clone(), rows, Sampler.greedy(), l.maxNew, Set.of(), false, null).tokens();
                    int t = 2;
                    while (contains(free, t, free[t])) t++;
                    stop = Set.of(free[t]);
                }
                stops.add(stop);
                alone.add(Generator.run(m.decoder(), m.newCache(rows + l.maxNew), p.clone(), rows, Sampler.greedy(), l.maxNew, stop, false, null));
            }
            List<Generator> gens = new ArrayList<>();
            for (int i = 0; i < LOOPS.size(); i++) {
                Loop l = LOOPS.get(i);
                int rows = prompts.get(i).length / d;
                Generator gen = new Generator(m.decoder(), m.newCache(rows + l.maxNew), prompts.get(i).clone(), rows, Sampler.greedy(), l.maxNew, stops.get(i), null, null);
                gen.prefill(rows, false);
                gens.add(gen);
            }
            while (!gens.stream().allMatch(Generator::done)) {
                for (Generator gen : gens) if (!gen.done()) gen.choose();
                Generator.feed(gens);
            }
            for (int i = 0; i < LOOPS.size(); i++) {
                Generator gen = gens.get(i);
                Generator.Result want = alone.get(i);
                assertArrayEquals(want.tokens(), gen.tokens(), "loop " + i);
                assertEquals(LOOPS.get(i).stopAtThird, gen.stopped(), "loop " + i + " stopped at its stop token");
                if (LOOPS.get(i).stopAtThird) assertTrue(gen.count() < LOOPS.get(i).maxNew, "loop " + i + " stopped early");
                else assertEquals(LOOPS.get(i).maxNew, gen.count(), "loop " + i + ": tokens");
                assertEquals(prompts.get(i).length / d + gen.count() - 1, gen.cache().length(), "loop " + i + ": no step after the last token");
            }
        }
    }

    static boolean contains(int[] a, int n, int v) {
        for (int i = 0; i < n; i++) if (a[i] == v) return true;
        return false;
    }

    @Test
    void aLoopWithNoTokenChosenOrOnAnotherDecoderIsRefused() {
        try (LlavaOneVision m = LlavaOneVision.load(Oracle.model()); LlavaOneVision other = LlavaOneVision.load(Oracle.model());
             Safetensors g = Oracle.golden("forward.safetensors")) {
            int[] ids = g.get("input_ids").toIntArray();
            float[] x = m.inputsEmbeds(ids, g.get("video_embeds").toFloatArray());
            Generator a = new Generator(m.decoder(), m.newCache(ids.length + 4), x.clone(), ids.length, Sampler.greedy(), 4, Set.of(), null, null);
            Generator b = new Generator(m.decoder(), m.newCache(ids.length + 4), x.clone(), ids.length, Sampler.greedy(), 4, Set.of(), null, null);
            Generator c = new Generator(other.decoder(), other.newCache(ids.length + 4), x.clone(), ids.length, Sampler.greedy(), 4, Set.of(), null, null);
            for (Generator gen : List.of(a, b, c)) gen.prefill(ids.length, false);
            a.choose();
            var e = assertThrows(IllegalStateException.class, () -> Generator.feed(List.of(a, b)));
            assertEquals("no token chosen to feed", e.getMessage());
            c.choose();
            var e2 = assertThrows(IllegalArgumentException.class, () -> Generator.feed(List.of(a, c)));
            assertEquals("loops on different decoders cannot step as one batch", e2.getMessage());
            Generator.feed(List.of(a));
            assertEquals(ids.length + 1, a.cache().length());
            assertFalse(a.done());
            assertTrue(b.cache().length() == ids.length, "the refused batch ran nothing");
        }
    }

    /**
     * A decode step writes each loop's logits into the array the loop already holds (a batch through one buffer per
     * thread), so that serving steps allocate nothing of the vocabulary's size; the values are those of the loop
     * stepped alone, to the bit.
     */
    @Test
    void eachLoopsLogitsArrayIsReusedFromStepToStepWithTheValuesOfALoneStep() {
        try (LlavaOneVision m = LlavaOneVision.load(Oracle.model()); Safetensors g = Oracle.golden("forward.safetensors")) {
            int[] ids = g.get("input_ids").toIntArray();
            float[] x = m.inputsEmbeds(ids, g.get("video_embeds").toFloatArray());
            int d = m.config().text().hiddenSize(), rowsB = ids.length - 7;
            Generator a = new Generator(m.decoder(), m.newCache(ids.length + 4), x.clone(), ids.length, Sampler.greedy(), 4, Set.of(), null, null);
            Generator b = new Generator(m.decoder(), m.newCache(ids.length + 4), Arrays.copyOf(x, rowsB * d), rowsB, Sampler.greedy(), 4, Set.of(), null, null);
            Generator alone = new Generator(m.decoder(), m.newCache(ids.length + 4), x.clone(), ids.length, Sampler.greedy(), 4, Set.of(), null, null);
            for (Generator gen : List.of(a, b, alone)) gen.prefill(ids.length, false);
            for (int step = 0; step < 3; step++) {
                float[] la = a.logits(), lb = b.logits(), l1 = alone.logits();
                a.choose();
                b.choose();
                alone.choose();
                Generator.feed(List.of(a, b));
                alone.feed();
                assertSame(la, a.logits(), "step " + step + ": the batch wrote into a's own array");
                assertSame(lb, b.logits(), "step " + step + ": the batch wrote into b's own array");
                assertSame(l1, alone.logits(), "step " + step + ": a lone step wrote into its own array");
                assertArrayEquals(alone.logits(), a.logits(), "step " + step + ": batched logits are the lone loop's");
            }
        }
    }

    @Test
    void aLogitsBufferTooSmallForTheBatchIsRefused() {
        try (LlavaOneVision m = LlavaOneVision.load(Oracle.model())) {
            Qwen2Decoder dec = m.decoder();
            int vocab = dec.config().vocabSize();
            KvCache[] caches = {m.newCache(4), m.newCache(4)};
            var e = assertThrows(IllegalArgumentException.class, () -> dec.decode(dec.embed(new int[]{1, 2}), caches,
                    new AttentionHook[2], new int[]{0, 0}, new float[2 * vocab - 1]));
            assertEquals((2 * vocab - 1) + " floats hold fewer than 2 rows of logits", e.getMessage());
            assertEquals(0, caches[0].length(), "nothing ran");
        }
    }
}
