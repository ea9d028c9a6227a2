package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.testing.QwenVlOracle;
import dev.dycoke4j.vision.RgbFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Qwen2.5-VL through the shared stages' caches and sessions: a follow-up question reuses the video's features and its
 * prompt prefix (which ends before the question; the question's M-RoPE positions continue after the video's largest)
 * and gives the tokens of asking it fresh; another session on the same frames runs no vision tower; the seconds a
 * temporal step spans, which move the positions, are part of the keys.
 */
class QwenFollowUpTest {
    private static final String Q1 = "What happens in this video?", Q2 = "Describe the ball.";
    private static VideoQa qa;
    private static List<RgbFrame> frames;

    @BeforeAll
    static void load() {
        qa = VideoQa.load(QwenVlOracle.model());
        frames = QwenStages.goldenFrames();
    }

    @AfterAll
    static void close() {
        qa.close();
    }

    private static int prefixLength(int videoPositions) {
        return qa.videoModel().prefixIds(qa.tokenizer(), null, videoPositions).length;
    }

    private static void followUpIsFresh(CompressionMethod comp) {
        qa.clearCaches();
        VideoSession s = qa.open(frames, 0, VisionOptions.of(frames.size()), comp);
        assertFalse(s.visionCached());
        Answer first = s.ask(Q1, GenerationOptions.greedy(6), null);
        assertEquals(0, first.stats().prefixCachedTokens(), "the first question prefills the whole prompt");
        Answer second = s.ask(Q2, GenerationOptions.greedy(6), null);
        assertTrue(second.stats().visionCached(), second.stats().toString());
        assertEquals(prefixLength(s.video().videoPositions()), second.stats().prefixCachedTokens(), "the template and the video come from the prefix cache");
        Answer fresh = QwenStages.answer(qa, frames, Q2, GenerationOptions.greedy(6), comp, null);
        assertArrayEquals(fresh.tokenIds(), second.tokenIds(), "a follow-up answers as the question asked fresh");
        assertEquals(fresh.stats().visualKept(), second.stats().visualKept());
        assertEquals(fresh.stats().promptTokens(), second.stats().promptTokens());

        long encoded = qa.visionFrames();
        VideoSession again = qa.open(frames, 0, VisionOptions.of(frames.size()), comp);
        assertTrue(again.visionCached(), "the features come from the vision-feature cache");
        assertEquals(encoded, qa.visionFrames(), "no frame went through the vision tower again");
        Answer repeat = again.ask(Q1, GenerationOptions.greedy(6), null);
        assertTrue(repeat.stats().prefixCachedTokens() > 0);
        assertArrayEquals(first.tokenIds(), repeat.tokenIds());
    }

    @Test
    void aFollowUpReusesFeaturesAndPrefixAndAnswersAsAskedFresh() {
        followUpIsFresh(CompressionMethods.none());
    }

    /** With TTM's pruned placement (the text after the video at base + grid columns) and DP while decoding. */
    @Test
    void aFollowUpAfterDycokeAnswersAsAskedFresh() {
        followUpIsFresh(CompressionMethods.parse("dycoke", Map.of("dp_l", "1")));
    }

    /** The positions a follow-up's question takes after the restored prefix are those of its whole prompt placed fresh. */
    @Test
    void theQuestionAfterACachedPrefixContinuesAfterTheVideosLargestPosition() {
        qa.clearCaches();
        VideoSession s = qa.open(frames, 0, VisionOptions.of(frames.size()), CompressionMethods.none());
        s.ask(Q1, GenerationOptions.greedy(2), null);
        Sequence followUp = qa.answerStage().start(s.video().paid(), Q2, GenerationOptions.greedy(2));
        Sequence fresh = QwenStages.start(qa, frames, Q2, GenerationOptions.greedy(2), CompressionMethods.none(), null);
        assertTrue(followUp.prefilledTokens() > 0, "the prefix was restored");
        assertArrayEquals(fresh.positions().toArrays(), followUp.positions().toArrays());
        int prefix = prefixLength(s.video().videoPositions());
        var p = followUp.positions();
        int videoMax = Integer.MIN_VALUE;
        for (int i = 0; i < prefix - 1; i++) videoMax = Math.max(videoMax, Math.max(p.t(i), Math.max(p.h(i), p.w(i))));
        assertEquals(videoMax + 2, p.t(prefix), "<|vision_end|> at the largest + 1, the question's first token after it");
        assertEquals(p.t(prefix), p.h(prefix));
        assertEquals(p.t(prefix), p.w(prefix));
    }

    /** Frames twice as far apart in time are other positions: their features and prefix are not those of the first. */
    @Test
    void theSecondsPerTemporalStepArePartOfTheKeys() {
        qa.clearCaches();
        VisionOptions vo = VisionOptions.of(frames.size());
        EncodedVideo oneSecond = qa.visionStage().encode(frames, 1.0, 0, vo);
        EncodedVideo twoSeconds = qa.visionStage().encode(frames, 2.0, 0, vo);
        assertFalse(twoSeconds.cached(), "another timing is another key");
        assertNotEquals(oneSecond.featureKey(), twoSeconds.featureKey());
        assertTrue(qa.visionStage().encode(frames, 2.0, 0, vo).cached());
        CompressedVideo a = qa.compressStage().apply(oneSecond, CompressionMethods.none());
        CompressedVideo b = qa.compressStage().apply(twoSeconds, CompressionMethods.none());
        qa.answerStage().start(a, Q1, GenerationOptions.greedy(1)).complete();
        Sequence later = qa.answerStage().start(b, Q1, GenerationOptions.greedy(1));
        assertEquals(0, later.prefilledTokens(), "no prefix of the other timing is restored");
        Sequence earlier = qa.answerStage().start(a, Q1, GenerationOptions.greedy(1));
        int[] ids = earlier.prompt();
        int v0 = 0;
        while (ids[v0] != qa.videoModel().videoTokenId()) v0++;
        int step1 = v0 + a.all().tokensPerFrame();
        assertEquals(earlier.positions().t(v0), later.positions().t(v0));
        assertTrue(later.positions().t(step1) > earlier.positions().t(step1), "the second temporal step sits further along the time axis");
        VisionFeatures f = twoSeconds.features();
        VisionFeatures back = VisionFeatures.CODEC.read(ByteBuffer.wrap(VisionFeatures.CODEC.write(f)));
        assertEquals(f.grid(), back.grid(), "the disk tier keeps the temporal grid");
        assertArrayEquals(f.pooled(), back.pooled());
    }
}
