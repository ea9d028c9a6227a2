package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethod;
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
 * {@link VideoQa#open(VideoSource, int, CompressionMethod, int)}, decoding overlapped with the vision tower, on the
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
    static VideoSession reference(List<RgbFrame> frames, CompressionMethod comp) {
        qa.clearCaches();
        return qa.open(frames, 0, new VisionOptions(frames.size(), BATCH), comp);
    }

    static void assertSameVideo(VideoSession want, VideoSession got) {
        assertEquals(want.frames(), got.frames());
        BatchIndependenceTest.assertClose(want.video().all().features(), got.video().all().features(), "pooled features");
        if (want.video().all().saliency() != null || got.video().all().saliency() != null)
            BatchIndependenceTest.assertClose(want.video().all().saliency(), got.video().all().saliency(), "saliency");
        BatchIndependenceTest.assertClose(want.video().embeds(), got.video().embeds(), "video rows");
        assertArrayEquals(want.ask("What happens?", GenerationOptions.greedy(6), null).tokenIds(),
                got.ask("What happens?", GenerationOptions.greedy(6), null).tokenIds());
    }

    static boolean threadsLeft() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.isAlive() && (t.getName().equals("dycoke-decode") || t.getName().equals("dycoke-preprocess")));
    }

    /**
     * A source and what encoding it costs, counted by hand with {@link #BATCH} = 3 frames per batch: {@code first}
     * frames through the vision tower while decoding (whole batches of the frames handed over, up to the prediction),
     * then {@code again} frames of the returned sample that none of those encoded frames has the RGB of.
     */
    record Case(FakeVideo video, int first, int again) {
    }

    /**
     * Features within {@link BatchIndependenceTest#TOL} (the JIT can change their last bits between two calls, see
     * there; a frame in the wrong place or a stale one is far outside it), the same answer, and exactly the frames
     * expected through the vision tower.
     */
    @Test
    void streamedFeaturesAndAnswersAreThoseOfTheDecodedFramesEncodingOnlyTheFramesThatDiffer() {
        List<RgbFrame> all = FollowUpTest.clip(10, 3);      // a video of 10 frames
        List<RgbFrame> frames = all.subList(0, 8);          // 8 sampled from its first 8
        List<RgbFrame> others = FollowUpTest.clip(8, 4);
        List<RgbFrame> copies = frames.stream().map(f -> new RgbFrame(f.width(), f.height(), f.rgb().clone())).toList();
        for (String m : new String[]{"none", "prumerge"}) {
            CompressionMethod comp = FollowUpTest.method(m);
            List<Case> cases = List.of(
                    new Case(new FakeVideo("right", frames), 8, 0),                         // the container's count was right
                    new Case(new FakeVideo("fewer", frames).streaming(10, frames), 6, 2),   // 10 predicted: the third batch never filled
                    new Case(new FakeVideo("other", frames).streaming(8, others), 8, 8),    // the sample moved entirely
                    new Case(new FakeVideo("unknown", frames).streaming(0, List.of()), 0, 8), // no prediction
                    new Case(new FakeVideo(null, frames), 0, 8),                            // keyed by its frames: decoded first
                    new Case(new FakeVideo("copies", frames).streaming(8, copies), 8, 0),   // the same RGB in other objects
                    // the container says 9 frames but the last does not decode: planned 0-6 and 8, handed 0-6;
                    // batches {0,1,2} {3,4,5} encoded, {6} short; then 6 and 7
                    new Case(new FakeVideo("lastMissing", frames).streaming(8, frames.subList(0, 7)), 6, 2),
                    // the container says 10 frames of 8: planned 0-3, 5-7 and 9, handed 0-3 and 5-7; batches
                    // {0,1,2} {3,5,6} encoded, {7} short; then 4 and 7
                    new Case(new FakeVideo("shifted", frames).streaming(8, pick(frames, 0, 1, 2, 3, 5, 6, 7)), 6, 2),
                    // the container says 8 frames of 10: handed 0-7, all encoded; the sample is 0-3, 5-7 and 9: then 9
                    new Case(new FakeVideo("moreFrames", pick(all, 0, 1, 2, 3, 5, 6, 7, 9)).streaming(8, frames), 8, 1));
            for (Case c : cases) {
                FakeVideo v = c.video();
                v.decodes = 0;
                VideoSession want = reference(v.frames, comp);
                qa.clearCaches();
                long before = qa.visionFrames();
                VideoSession got = qa.open(v, new VisionOptions(8, BATCH), comp);
                String what = m + ", " + v.key;
                assertEquals(c.first() + c.again(), qa.visionFrames() - before, what + ": frames through the vision tower");
                assertFalse(got.visionCached());
                assertEquals(1, v.decodes);
                assertTrue(got.videoSeconds().vision() > 0, what);
                assertSameVideo(want, got);
            }
        }
        assertFalse(threadsLeft());
    }

    /** The frames of {@code frames} at {@code indices}, in that order. */
    static List<RgbFrame> pick(List<RgbFrame> frames, int... indices) {
        return java.util.Arrays.stream(indices).mapToObj(frames::get).toList();
    }

    @Test
    void theSameContentKeyIsACacheHitWithoutDecoding() {
        List<RgbFrame> frames = FollowUpTest.clip(6, 5);
        CompressionMethod comp = FollowUpTest.method("dycoke");
        VideoSession want = reference(frames, comp);
        qa.clearCaches();
        FakeVideo first = new FakeVideo("clip", frames);
        assertFalse(qa.open(first, new VisionOptions(6, BATCH), comp).visionCached());
        FakeVideo again = new FakeVideo("clip", frames);
        VideoSession hit = qa.open(again, new VisionOptions(6, BATCH), comp);
        assertTrue(hit.visionCached());
        assertEquals(0, again.decodes);
        assertEquals(List.of(6, 6), List.of(again.cachedCalls.getFirst()[0], again.cachedCalls.getFirst()[1]));
        assertEquals(0, hit.videoSeconds().vision());
        assertSameVideo(want, hit);

        FakeVideo moreFrames = new FakeVideo("clip", frames); // another frame count is another key
        assertFalse(qa.open(moreFrames, new VisionOptions(8, BATCH), comp).visionCached());
        assertEquals(1, moreFrames.decodes);
        FakeVideo shortHit = new FakeVideo("clip", frames);
        assertTrue(qa.open(shortHit, new VisionOptions(8, BATCH), comp).visionCached());
        assertArrayEquals(new int[]{8, 6}, shortHit.cachedCalls.getFirst(), "a hit says how many frames the video had");
    }

    @Test
    void aFailureWhileDecodingIsRethrownAsItIsAndNoThreadIsLeft() {
        List<RgbFrame> frames = FollowUpTest.clip(8, 6);
        CompressionMethod comp = FollowUpTest.method("none");
        for (int after : new int[]{0, 2, 4, 8}) {
            qa.clearCaches();
            IllegalStateException boom = new IllegalStateException("clip.mp4: corrupt after frame " + after);
            FakeVideo v = new FakeVideo("bad" + after, frames).streaming(8, frames.subList(0, after)).failing(boom);
            assertSame(boom, assertThrows(IllegalStateException.class, () -> qa.open(v, new VisionOptions(8, BATCH), comp)));
            assertFalse(threadsLeft());
        }
        assertEquals(0, qa.visionCache().memory().size(), "nothing cached from a failed video");
    }
}
