package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionOptions;
import dev.dycoke4j.compress.DynamicPruning;
import dev.dycoke4j.compress.Method;
import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.tokenizer.ChatTemplate;
import dev.dycoke4j.vision.RgbFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sessions on the oracle model: follow-ups equal fresh runs, for every method, through both caches. */
class FollowUpTest {
    static final String Q1 = "What happens in this video?", Q2 = "What colour is the square?", Q3 = "How many objects move?";
    static VideoQa qa;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        qa = VideoQa.load(Oracle.model());
    }

    @AfterAll
    static void close() {
        qa.close();
    }

    /** A synthetic clip: noise with a bright square moving across, 80x60. */
    static List<RgbFrame> clip(int n, int seed) {
        Random r = new Random(seed);
        List<RgbFrame> frames = new ArrayList<>();
        for (int f = 0; f < n; f++) {
            byte[] rgb = new byte[80 * 60 * 3];
            for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (r.nextInt(40) + 60);
            for (int y = 20; y < 36; y++)
                for (int x = 4 + 6 * f; x < 20 + 6 * f && x < 80; x++) {
                    int p = (y * 80 + x) * 3;
                    rgb[p] = (byte) 230;
                    rgb[p + 1] = (byte) 40;
                }
            frames.add(new RgbFrame(80, 60, rgb));
        }
        return frames;
    }

    static CompressionOptions method(Method m) {
        CompressionOptions c = CompressionOptions.of(m);
        // the oracle has 3 layers: DP at L=2, FastV at K=1
        return new CompressionOptions(m, c.ttmK(), c.ttmWindows(), c.ttmOrder(), c.dpEnabled(), 2, c.dpP(), c.dpMode(),
                c.dpStore(), c.dpStoreType(), c.ratio(), 1, c.seed());
    }

    static Answer fresh(List<RgbFrame> frames, String q, CompressionOptions comp) {
        return qa.ask(n -> frames, frames.size(), q, GenerationOptions.greedy(10), comp, null);
    }

    @Test
    void theFirstQuestionIsTheOneShotAnswerAndFollowUpsEqualFreshRuns() {
        List<RgbFrame> frames = clip(8, 1);
        for (Method m : Method.values()) {
            qa.clearCaches();
            CompressionOptions comp = method(m);
            VideoSession s = qa.open(frames, 0, comp, 8);
            Answer a1 = s.ask(Q1, GenerationOptions.greedy(10), null);
            Answer f1 = fresh(frames, Q1, comp);
            assertArrayEquals(f1.tokenIds(), a1.tokenIds(), m + " first question");
            assertEquals(0, a1.stats().prefixCachedTokens());
            assertFalse(a1.stats().visionCached());
            for (String q : new String[]{Q2, Q3, Q1}) {
                Answer a = s.ask(q, GenerationOptions.greedy(10), null);
                Answer f = fresh(frames, q, comp);
                assertArrayEquals(f.tokenIds(), a.tokenIds(), m + ": " + q);
                assertEquals(f.text(), a.text());
                assertEquals(f.stats().promptTokens(), a.stats().promptTokens());
                assertEquals(f.stats().visualAttended(), a.stats().visualAttended(), 0.0, m + ": DP state is fresh for every question");
                assertEquals(f.stats().kvCacheBytes(), a.stats().kvCacheBytes());
                assertTrue(a.stats().visionCached());
                assertEquals(0, a.stats().seconds().vision());
                if (m == Method.FASTV) assertEquals(0, a.stats().prefixCachedTokens(), "FastV always prefills in full");
                else assertEquals(ChatTemplate.videoPrefixIds(qa.tokenizer(), s.visualTokens() + 1).length, a.stats().prefixCachedTokens(),
                        m + ": the whole template-and-video prefix");
                assertTrue(a.stats().ttftSeconds() > 0);
            }
        }
    }

    /**
     * Every method on a bf16 KV cache, follow-ups included: the oracle's greedy answers are those of the F32 cache (its
     * keys and values round to bfloat16 without moving a greedy token), in half the active KV bytes for the methods
     * whose layers all stay plain.
     */
    @Test
    void everyMethodOnABf16CacheAnswersAsOnF32() {
        List<RgbFrame> frames = clip(8, 4);
        try (VideoQa half = VideoQa.load(Oracle.model(), LoadOptions.asStored().withKvCache(KvCache.Precision.BF16))) {
            for (Method m : Method.values()) {
                CompressionOptions comp = method(m);
                qa.clearCaches();
                VideoSession full = qa.open(frames, 0, comp, 8), bf16 = half.open(frames, 0, comp, 8);
                for (String q : new String[]{Q1, Q2}) {
                    Answer a = full.ask(q, GenerationOptions.greedy(8), null), b = bf16.ask(q, GenerationOptions.greedy(8), null);
                    assertArrayEquals(a.tokenIds(), b.tokenIds(), m + ": " + q);
                    if (!comp.dpEnabled()) assertEquals(a.stats().kvCacheBytes() / 2, b.stats().kvCacheBytes(), m + ": half the bytes");
                }
            }
        }
    }

    @Test
    void dpWithTheCompactStoreSnapshotsBeforePruning() {
        List<RgbFrame> frames = clip(8, 2);
        CompressionOptions c = method(Method.DYCOKE);
        CompressionOptions comp = new CompressionOptions(c.method(), c.ttmK(), c.ttmWindows(), c.ttmOrder(), true, 2, c.dpP(),
                DynamicPruning.Mode.ALWAYS, DynamicPruning.Store.COMPACT, KvCache.CompactType.INT8, c.ratio(), 1, c.seed());
        qa.clearCaches();
        VideoSession s = qa.open(frames, 0, comp, 8);
        s.ask(Q1, GenerationOptions.greedy(10), null);
        Answer a = s.ask(Q2, GenerationOptions.greedy(10), null);
        Answer f = fresh(frames, Q2, comp);
        assertTrue(a.stats().prefixCachedTokens() > 0);
        assertArrayEquals(f.tokenIds(), a.tokenIds());
        assertEquals(f.stats().kvPrunedBytes(), a.stats().kvPrunedBytes());
    }

    @Test
    void sessionsShareTheCachesByContent() {
        qa.clearCaches();
        List<RgbFrame> frames = clip(4, 3);
        CompressionOptions comp = method(Method.NONE);
        VideoSession s1 = qa.open(frames, 0, comp, 8);
        assertFalse(s1.visionCached());
        Answer a = s1.ask(Q1, GenerationOptions.greedy(6), null);
        // the same pixels in new arrays: a hit, and the prefix too
        List<RgbFrame> copy = clip(4, 3);
        VideoSession s2 = qa.open(copy, 0, comp, 8);
        assertTrue(s2.visionCached());
        Answer b = s2.ask(Q1, GenerationOptions.greedy(6), null);
        assertTrue(b.stats().visionCached());
        assertTrue(b.stats().prefixCachedTokens() > 0);
        assertArrayEquals(a.tokenIds(), b.tokenIds());
        assertFalse(qa.open(clip(4, 4), 0, comp, 8).visionCached(), "other frames");
        assertFalse(qa.open(frames.subList(0, 3), 0, comp, 8).visionCached(), "fewer frames");
        assertFalse(qa.open(frames, 0, comp, 2).visionCached(), "another vision batch");
        assertFalse(qa.open(frames, 0, method(Method.PRUMERGE), 8).visionCached(), "features with saliency");
        assertTrue(qa.open(frames, 0, method(Method.RANDOM), 8).visionCached(), "the features do not depend on the method");
    }

    @Test
    void featureKeysDependOnModelPreprocessingAndFrames() {
        var pc = qa.preprocessor().config();
        var other = new dev.dycoke4j.vision.PreprocessorConfig(pc.height(), pc.width(), pc.shortestEdge(), pc.resample(), pc.doResize(),
                pc.doRescale(), pc.rescaleFactor(), pc.doNormalize(), new double[]{0.5, 0.5, 0.4}, pc.std(), pc.doConvertRgb());
        List<RgbFrame> frames = clip(2, 5);
        String k = FeatureKeys.featureKey("m", pc, frames, 8, false);
        assertEquals(k, FeatureKeys.featureKey("m", pc, clip(2, 5), 8, false));
        assertNotEquals(k, FeatureKeys.featureKey("m2", pc, frames, 8, false));
        assertNotEquals(k, FeatureKeys.featureKey("m", other, frames, 8, false));
        assertNotEquals(k, FeatureKeys.featureKey("m", pc, clip(2, 6), 8, false));
        assertNotEquals(k, FeatureKeys.featureKey("m", pc, frames, 4, false));
        assertNotEquals(k, FeatureKeys.featureKey("m", pc, frames, 8, true));
    }

    @Test
    void theDiskTierServesAnotherProcessAndNotAnotherModel() {
        List<RgbFrame> frames = clip(4, 7);
        CompressionOptions comp = method(Method.DYCOKE);
        Answer a;
        try (VideoQa one = VideoQa.load(Oracle.model()).caches(1 << 20, 1 << 24, tmp, 1 << 24, 1 << 26)) {
            VideoSession s = one.open(frames, 0, comp, 8);
            a = s.ask(Q2, GenerationOptions.greedy(8), null);
        }
        try (VideoQa two = VideoQa.load(Oracle.model()).caches(1 << 20, 1 << 24, tmp, 1 << 24, 1 << 26)) {
            VideoSession s = two.open(frames, 0, comp, 8);
            assertTrue(s.visionCached(), "features from disk");
            Answer b = s.ask(Q2, GenerationOptions.greedy(8), null);
            assertTrue(b.stats().prefixCachedTokens() > 0, "prefix from disk");
            assertArrayEquals(a.tokenIds(), b.tokenIds());
            assertEquals(1, two.visionCache().diskHits());
        }
        try (VideoQa bf16 = VideoQa.load(Oracle.modelBf16()).caches(1 << 20, 1 << 24, tmp, 1 << 24, 1 << 26)) {
            assertFalse(bf16.open(frames, 0, comp, 8).visionCached(), "another checkpoint");
        }
        // the same checkpoint run with another KV dtype or int8 weights: the vision features serve it, the prefix (whose
        // entries those settings change) does not; its own prefix serves its next process, with the same answer
        for (LoadOptions other : List.of(LoadOptions.asStored().withKvCache(KvCache.Precision.BF16), LoadOptions.q8())) {
            Answer first;
            try (VideoQa three = VideoQa.load(Oracle.model(), other).caches(1 << 20, 1 << 24, tmp, 1 << 24, 1 << 26)) {
                VideoSession s = three.open(frames, 0, comp, 8);
                assertTrue(s.visionCached(), other + ": features from disk");
                first = s.ask(Q2, GenerationOptions.greedy(8), null);
                assertEquals(0, first.stats().prefixCachedTokens(), other + ": no prefix made with other LLM settings");
            }
            try (VideoQa four = VideoQa.load(Oracle.model(), other).caches(1 << 20, 1 << 24, tmp, 1 << 24, 1 << 26)) {
                Answer again = four.open(frames, 0, comp, 8).ask(Q2, GenerationOptions.greedy(8), null);
                assertTrue(again.stats().prefixCachedTokens() > 0, other + ": its own prefix from disk");
                assertArrayEquals(first.tokenIds(), again.tokenIds());
            }
        }
    }

    @Test
    void overlappedPreprocessingGivesTheSamePixelsAndErrors() {
        List<RgbFrame> frames = clip(5, 8);
        CompressionOptions comp = method(Method.NONE);
        float[] pixels = qa.preprocessor().pixels(frames);
        Answer overlapped = qa.ask(n -> frames, 5, Q1, new GenerationOptions(8, 0, 1, 0, 2, false), comp, null);
        Answer sequential = qa.answerFromPixels(pixels, 5, Q1, null, new GenerationOptions(8, 0, 1, 0, 2, false), comp, null, null);
        assertArrayEquals(sequential.tokenIds(), overlapped.tokenIds());
        assertEquals(sequential.stats().kvCacheBytes(), overlapped.stats().kvCacheBytes());
        // frames of mixed sizes resize to the same fixed size here; the error the overlap must keep is the empty list's
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> qa.ask(n -> List.of(), 1, Q1, GenerationOptions.greedy(2), comp, null));
        assertEquals("no frames to preprocess", e.getMessage());
    }
}
