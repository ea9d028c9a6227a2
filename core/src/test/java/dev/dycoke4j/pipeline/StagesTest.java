package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.compress.VisualTokens;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.vision.RgbFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The stages' public API on the oracle model: one encode serves several compressions and answers, as the facade's
 * one-shot requests would give them; a prefill in chunks gives the one-shot prefill's tokens; sequences stepped
 * together each get the tokens they get alone.
 */
@Timeout(120)
class StagesTest {
    static final String Q1 = "What happens in this video?", Q2 = "What colour is the square?";
    static final int F = 8, BATCH = 3;
    static VideoQa qa;
    static float[] pixels;

    @BeforeAll
    static void load() {
        qa = VideoQa.load(Oracle.model());
        try (Safetensors g = Oracle.golden("forward.safetensors")) {
            pixels = g.get("pixel_values_videos").toFloatArray();
        }
    }

    @AfterAll
    static void close() {
        qa.close();
    }

    static EncodedVideo encode() {
        return qa.visionStage().encode(pixels, new VisionOptions(F, BATCH, true), null);
    }

    static CompressedVideo compress(EncodedVideo v, String m) {
        return qa.compressStage().apply(v, FollowUpTest.method(m));
    }

    @Test
    void oneEncodeServesEveryCompressionAndAnswerAsTheOneShotRequestGivesThem() {
        long before = qa.visionFrames();
        EncodedVideo v = encode();
        assertEquals(F, qa.visionFrames() - before, "the vision tower ran once per frame");
        assertFalse(v.cached());
        assertEquals(F * 16, v.tokens().count());
        List<String> methods = List.of("none", "dycoke", "prumerge", "fastv");
        List<Answer> staged = new ArrayList<>();
        for (String m : methods) staged.add(qa.answerStage().start(compress(v, m), Q1, GenerationOptions.greedy(8)).complete());
        assertEquals(F, qa.visionFrames() - before, "compressing and answering ran no vision tower");
        assertNotEquals(staged.get(0).stats().visualKept(), staged.get(1).stats().visualKept(), "DyCoke keeps fewer tokens than none");
        for (int i = 0; i < methods.size(); i++) {
            CompressionMethod comp = FollowUpTest.method(methods.get(i));
            Answer want = qa.answerFromPixels(pixels, new VisionOptions(F, BATCH), Q1, null, GenerationOptions.greedy(8), comp, null, null);
            Answer got = staged.get(i);
            assertArrayEquals(want.tokenIds(), got.tokenIds(), methods.get(i).toString());
            assertEquals(want.text(), got.text());
            assertEquals(want.stats().visualKept(), got.stats().visualKept());
            assertEquals(want.stats().visualAttended(), got.stats().visualAttended(), 0.0);
            assertEquals(want.stats().kvCacheBytes(), got.stats().kvCacheBytes());
            assertEquals(want.stats().flopsLlm(), got.stats().flopsLlm(), 0.0);
        }
    }

    @Test
    void theKeptRowsAreHeldOnceAsTheVideoRowsOfThePrompt() {
        EncodedVideo v = encode();
        VisualTokens all = v.tokens();
        int d = all.dim();
        for (String m : List.of("dycoke", "uniform")) {
            CompressedVideo c = compress(v, m);
            VisualTokens kept = c.kept();
            assertTrue(kept.count() < all.count(), m + " keeps fewer tokens than it was given");
            assertSame(c.embeds(), kept.features(), m + ": the session holds one copy of the kept rows, not the method's and the prompt's");
            int[] src = kept.sourceIndex();
            for (int i = 0; i < kept.count(); i++)
                assertArrayEquals(Arrays.copyOfRange(all.features(), src[i] * d, (src[i] + 1) * d), Arrays.copyOfRange(kept.features(), i * d, (i + 1) * d),
                        m + ": kept row " + i + " is pooled token " + src[i]);
            assertEquals(kept.count() + 1, c.videoPositions(), "the kept rows and the newline");
        }
    }

    @Test
    void aMethodThatRanksBySaliencyNeedsFeaturesWithIt() {
        EncodedVideo plain = qa.visionStage().encode(pixels, new VisionOptions(F, BATCH), null);
        var e = assertThrows(IllegalArgumentException.class, () -> compress(plain, "prumerge"));
        assertEquals("prumerge ranks tokens by their saliency, but the video was encoded without it", e.getMessage());
        assertTrue(CompressStage.needsSaliency(FollowUpTest.method("visionzip")));
        assertFalse(CompressStage.needsSaliency(FollowUpTest.method("dycoke")));
    }

    /** The logits of every step of {@code s} (the first after the prefill) until done, stepping it. */
    static List<float[]> run(Sequence s, int chunk) {
        int chunks = 1;
        while (!s.prefill(chunk)) chunks++;
        assertEquals((s.prompt().length + chunk - 1) / chunk, chunks, "chunks of " + chunk);
        List<float[]> logits = new ArrayList<>();
        while (!s.done()) {
            logits.add(s.logits());
            s.step();
        }
        return logits;
    }

    /**
     * Every value of {@code got} within float rounding of {@code want}: a row's GEMMs and attention sum in another
     * order when the prefill splits differently, so only the last bits may move.
     */
    static void assertWithinRounding(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++)
            if (!(Math.abs(want[i] - got[i]) <= 1e-5 * Math.max(1, Math.abs(want[i]))))
                fail(what + ": [" + i + "] = " + got[i] + ", want " + want[i]);
    }

    @Test
    void aPrefillInChunksGivesTheOneShotPrefillsTokensAndLogits() {
        EncodedVideo v = encode();
        for (String m : List.of("none", "dycoke")) {
            CompressedVideo c = compress(v, m);
            Sequence whole = qa.answerStage().start(c, Q1, GenerationOptions.greedy(10));
            int prompt = whole.prompt().length;
            List<float[]> want = run(whole, prompt);
            for (int chunk : new int[]{1, 7}) {
                Sequence s = qa.answerStage().start(c, Q1, GenerationOptions.greedy(10));
                List<float[]> got = run(s, chunk);
                assertArrayEquals(whole.tokens(), s.tokens(), m + ", chunks of " + chunk);
                assertEquals(want.size(), got.size());
                for (int i = 0; i < want.size(); i++) assertWithinRounding(want.get(i), got.get(i), m + ", chunks of " + chunk + ", step " + i);
                assertEquals(whole.answer().stats().visualAttended(), s.answer().stats().visualAttended(), 0.0);
                assertEquals(prompt, s.answer().stats().promptTokens());
            }
        }
    }

    @Test
    void fastVPrefillsInOneChunkWhatever() {
        Sequence s = qa.answerStage().start(compress(encode(), "fastv"), Q1, GenerationOptions.greedy(4));
        assertTrue(s.prefill(5), "FastV must see the whole prompt");
        assertEquals(s.prompt().length, s.prefilledTokens());
    }

    @Test
    void sequencesSteppedTogetherEachGetTheTokensTheyGetAlone() {
        EncodedVideo v = encode();
        CompressedVideo dycoke = compress(v, "dycoke"), none = compress(v, "none");
        GenerationOptions sampled = new GenerationOptions(12, 0.9f, 0.95f, 42, false), greedy = GenerationOptions.greedy(12);
        AnswerStage stage = qa.answerStage();
        Answer a = stage.start(dycoke, Q1, sampled).complete(), b = stage.start(none, Q2, greedy).complete();

        Sequence sa = stage.start(dycoke, Q1, sampled), sb = stage.start(none, Q2, greedy);
        List<Sequence> both = List.of(sa, sb);
        int steps = 0;
        while (!(sa.done() && sb.done())) {
            if (!sa.prefillDone()) sa.prefill(40);
            stage.step(both);           // sa decodes while sb is still prefilling
            if (!sb.prefillDone()) sb.prefill(13);
            steps++;
        }
        assertTrue(steps > 12, "the prefills overlapped the decoding");
        assertArrayEquals(a.tokenIds(), sa.answer().tokenIds());
        assertEquals(a.text(), sa.answer().text());
        assertEquals(a.stats().visualAttended(), sa.answer().stats().visualAttended(), 0.0, "DP state of its own");
        assertArrayEquals(b.tokenIds(), sb.answer().tokenIds());
        assertEquals(b.text(), sb.answer().text());
    }

    @Test
    void aSequenceRefusesStepsOutOfOrder() {
        AnswerStage stage = qa.answerStage();
        Sequence s = stage.start(compress(encode(), "none"), Q1, GenerationOptions.greedy(2));
        assertEquals("the prompt is not prefilled yet", assertThrows(IllegalStateException.class, s::step).getMessage());
        assertThrows(IllegalStateException.class, s::answer);
        s.prefill(Integer.MAX_VALUE);
        s.step();
        s.step();
        assertTrue(s.done());
        assertEquals("generation is over", assertThrows(IllegalStateException.class, s::step).getMessage());
        try (VideoQa other = VideoQa.load(Oracle.model())) {
            var e = assertThrows(IllegalArgumentException.class, () -> other.answerStage().step(List.of(s)));
            assertEquals("a sequence started by another answer stage", e.getMessage());
        }
    }

    @Test
    void aRestoredPrefixThenASuffixInChunksGivesTheFreshTokens() {
        qa.clearCaches();
        List<RgbFrame> frames = FollowUpTest.clip(F, 9);
        EncodedVideo v = qa.visionStage().encode(frames, 0, new VisionOptions(F, BATCH));
        CompressedVideo c = qa.compressStage().apply(v, CompressionMethods.none());
        assertEquals(0, qa.answerStage().start(c, Q1, GenerationOptions.greedy(6)).complete().stats().prefixCachedTokens());
        Sequence s = qa.answerStage().start(c.paid(), Q2, GenerationOptions.greedy(6));
        int restored = s.prefilledTokens();
        assertTrue(restored > F * 16, "the template and the video from the prefix cache, " + restored);
        while (!s.prefill(3)) assertTrue(s.prefilledTokens() < s.prompt().length);
        Answer got = s.complete();
        Answer fresh = qa.ask(n -> frames, new VisionOptions(F, BATCH), Q2, GenerationOptions.greedy(6), CompressionMethods.none(), null);
        assertArrayEquals(fresh.tokenIds(), got.tokenIds());
        assertEquals(restored, got.stats().prefixCachedTokens());
        assertTrue(got.stats().visionCached());
        assertEquals(0, got.stats().seconds().vision());
    }
}
