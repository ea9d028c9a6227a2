package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionOptions;
import dev.dycoke4j.compress.Method;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.vision.RgbFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link VideoQa#open(VideoSource, int, CompressionOptions, int)}, decoding overlapped with the vision tower, on the
 * oracle model: the features and answers of frames already decoded, whatever the source predicted; the cache found
 * by content without decoding; failures rethrown as they are, with no thread left behind.
 */
@Timeout(120)
class StreamedVideoTest {
    static final int BATCH = 3;
    static VideoQa qa;

    @BeforeAll
    static void load() {
        qa = VideoQa.load(Oracle.model());
    }

    @AfterAll
    static void close() {
        qa.close();
    }

    /** The session on frames decoded first, uncached: what every streamed session must equal. */
    static VideoSession reference(List<RgbFrame> frames, CompressionOptions comp) {
        qa.clearCaches();
        return qa.open(frames, 0, comp, BATCH);
    }

    static void assertSameVideo(VideoSession want, VideoSession got) {
        assertEquals(want.frames(), got.frames());
        assertArrayEquals(want.encoded().all().features(), got.encoded().all().features(), "pooled features");
        assertArrayEquals(want.encoded().all().saliency(), got.encoded().all().saliency(), "saliency");
        assertArrayEquals(want.encoded().videoEmbeds(), got.encoded().videoEmbeds(), "video rows");
        assertArrayEquals(want.ask("What happens?", GenerationOptions.greedy(6), null).tokenIds(),
                got.ask("What happens?", GenerationOptions.greedy(6), null).tokenIds());
    }

    static boolean threadsLeft() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.isAlive() && (t.getName().equals("dycoke-decode") || t.getName().equals("dycoke-preprocess")));
    }

    @Test
    void streamedFeaturesAndAnswersAreThoseOfTheDecodedFrames() {
        List<RgbFrame> frames = FollowUpTest.clip(8, 3);
        for (Method m : new Method[]{Method.NONE, Method.PRUMERGE}) {
            CompressionOptions comp = FollowUpTest.method(m);
            VideoSession want = reference(frames, comp);
            List<RgbFrame> others = FollowUpTest.clip(8, 4);
            List<FakeVideo> sources = List.of(
                    new FakeVideo("right", frames),                                    // the container's count was right
                    new FakeVideo("fewer", frames).streaming(10, frames),               // more predicted than decode
                    new FakeVideo("other", frames).streaming(8, others),                // the sample moved
                    new FakeVideo("unknown", frames).streaming(0, List.of()),           // no prediction
                    new FakeVideo(null, frames));                                       // keyed by its frames
            for (FakeVideo v : sources) {
                qa.clearCaches();
                VideoSession got = qa.open(v, 8, comp, BATCH);
                assertFalse(got.visionCached());
                assertEquals(1, v.decodes);
                assertSameVideo(want, got);
            }
        }
        assertFalse(threadsLeft());
    }

    @Test
    void theSameContentKeyIsACacheHitWithoutDecoding() {
        List<RgbFrame> frames = FollowUpTest.clip(6, 5);
        CompressionOptions comp = FollowUpTest.method(Method.DYCOKE);
        VideoSession want = reference(frames, comp);
        qa.clearCaches();
        FakeVideo first = new FakeVideo("clip", frames);
        assertFalse(qa.open(first, 6, comp, BATCH).visionCached());
        FakeVideo again = new FakeVideo("clip", frames);
        VideoSession hit = qa.open(again, 6, comp, BATCH);
        assertTrue(hit.visionCached());
        assertEquals(0, again.decodes);
        assertEquals(List.of(6, 6), List.of(again.cachedCalls.getFirst()[0], again.cachedCalls.getFirst()[1]));
        assertEquals(0, hit.videoSeconds().vision());
        assertSameVideo(want, hit);

        FakeVideo moreFrames = new FakeVideo("clip", frames); // another frame count is another key
        assertFalse(qa.open(moreFrames, 8, comp, BATCH).visionCached());
        assertEquals(1, moreFrames.decodes);
        FakeVideo shortHit = new FakeVideo("clip", frames);
        assertTrue(qa.open(shortHit, 8, comp, BATCH).visionCached());
        assertArrayEquals(new int[]{8, 6}, shortHit.cachedCalls.getFirst(), "a hit says how many frames the video had");
    }

    @Test
    void aFailureWhileDecodingIsRethrownAsItIsAndNoThreadIsLeft() {
        List<RgbFrame> frames = FollowUpTest.clip(8, 6);
        CompressionOptions comp = FollowUpTest.method(Method.NONE);
        for (int after : new int[]{0, 2, 4, 8}) {
            qa.clearCaches();
            IllegalStateException boom = new IllegalStateException("clip.mp4: corrupt after frame " + after);
            FakeVideo v = new FakeVideo("bad" + after, frames).streaming(8, frames.subList(0, after)).failing(boom);
            assertSame(boom, assertThrows(IllegalStateException.class, () -> qa.open(v, 8, comp, BATCH)));
            assertFalse(threadsLeft());
        }
        assertEquals(0, qa.visionCache().memory().size(), "nothing cached from a failed video");
    }
}
