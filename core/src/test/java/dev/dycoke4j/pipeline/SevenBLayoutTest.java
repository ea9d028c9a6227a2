package dev.dycoke4j.pipeline;

import dev.dycoke4j.io.LlavaConfig;
import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.tensor.DType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The 7B model's layout on a tiny random checkpoint: 7 query heads per KV head (Qwen2-7B: 28 on 4), an LM head of its
 * own, and a vocabulary padded past the tokenizer's ids. It loads as stored and as int8, gives logits over the whole
 * padded vocabulary, the two agree, and a whole answer about a video runs with and without DyCoke.
 */
class SevenBLayoutTest {
    /** Vision as the demo model's; text 224 wide, 7 heads of 32 over 1 KV head, 3 layers, vocab 640 over 505 token ids. */
    static final RandomCheckpoint.Spec SPEC = new RandomCheckpoint.Spec(64, 128, 1, 2, 56, 14, 224, 448, 3, 7, 1, 640, 500, 4096, false, DType.BF16);

    @TempDir
    static Path dir;
    static VideoQa bf16, q8;

    @BeforeAll
    static void load() {
        RandomCheckpoint.write(dir, SPEC, 7);
        bf16 = VideoQa.load(dir, LoadOptions.asStored());
        q8 = VideoQa.load(dir, LoadOptions.q8());
    }

    @AfterAll
    static void close() {
        bf16.close();
        q8.close();
    }

    @Test
    void theSpecHasTheSevenBLayout() {
        var s = RandomCheckpoint.Spec.qwen7b(DType.BF16);
        assertEquals(7, s.textHeads() / s.kvHeads());
        assertEquals(7, SPEC.textHeads() / SPEC.kvHeads());
        assertTrue(s.vocab() > s.specialBase() + 5 && SPEC.vocab() > SPEC.specialBase() + 5, "vocabularies padded past the tokenizer's ids");
        LlavaConfig.TextConfig c = bf16.model().config().text();
        assertEquals(7, c.numHeads() / c.numKvHeads());
        assertEquals(32, c.headDim());
        assertEquals(LoadOptions.WeightFormat.Q8, q8.model().weightFormat());
    }

    @Test
    void logitsCoverThePaddedVocabularyAndInt8AgreesWithBf16() {
        int[] ids = {1, 72, 101, 108, 108, 111, 500, 504, 504, 32, 99, 501};
        float[] a = logits(bf16, ids), b = logits(q8, ids);
        assertEquals(2 * SPEC.vocab(), a.length, "[2, vocab] over the padded vocabulary");
        assertEquals(a.length, b.length);
        double max = 0, diff = 0, dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            assertTrue(Float.isFinite(a[i]) && Float.isFinite(b[i]), "logit " + i);
            max = Math.max(max, Math.abs(a[i]));
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        assertTrue(max > 0.1, "logits not all near zero: " + max);
        assertTrue(diff <= 0.05 * max, "int8 within 5% of the largest logit: " + diff + " of " + max);
        assertTrue(dot / Math.sqrt(na * nb) > 0.999, "cosine " + dot / Math.sqrt(na * nb));
    }

    static float[] logits(VideoQa qa, int[] ids) {
        var m = qa.model();
        KvCache cache = m.newCache(ids.length);
        return m.decoder().forward(m.decoder().embed(ids), ids.length, cache, 2);
    }

    @Test
    void aWholeAnswerAboutAVideoRunsWithAndWithoutDyCoke() {
        int frames = 4, img = SPEC.imageSize();
        float[] pixels = new float[frames * 3 * img * img];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < pixels.length; i++) pixels[i] = (float) (r.nextDouble() * 2 - 1);
        for (VideoQa qa : new VideoQa[] {bf16, q8})
            for (String method : new String[] {"none", "dycoke"}) {
                Answer a = qa.answerFromPixels(pixels, new VisionOptions(frames, 2), "What happens?", null, GenerationOptions.greedy(6),
                        FollowUpTest.method(method), null, null);
                assertTrue(a.tokenIds().length > 0, method);
                for (int id : a.tokenIds()) assertTrue(id >= 0 && id < SPEC.vocab(), "token " + id);
                assertTrue(a.stats().kvCacheBytes() > 0);
            }
    }
}
