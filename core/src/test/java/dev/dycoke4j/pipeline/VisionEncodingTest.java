package dev.dycoke4j.pipeline;

import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.vision.RgbFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link VisionStage#start}, the encode in units of work, on the oracle model: one batch of frames through the vision
 * tower per unit, the one-shot encode's features and cache entry, a cache hit in one unit, and no thread left behind
 * by an encoding closed half way or failing.
 */
@Timeout(120)
class VisionEncodingTest {
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

    /** Steps until done, checking that each step after the lookup put at most one batch through the vision tower. */
    static int steps(VisionEncoding e, int... framesPerStep) {
        int n = 0;
        long before = qa.visionFrames();
        while (true) {
            boolean done = e.step();
            long now = qa.visionFrames();
            if (framesPerStep.length > 0) assertEquals(framesPerStep[n], now - before, "frames through the vision tower in step " + n);
            before = now;
            n++;
            if (done) return n;
        }
    }

    @Test
    void eachStepEncodesOneBatchAndTheFeaturesAreTheOneShotEncodes() {
        List<RgbFrame> frames = FollowUpTest.clip(8, 7);
        for (boolean saliency : new boolean[]{false, true}) {
            VisionOptions vo = new VisionOptions(8, BATCH).withSaliency(saliency);
            qa.clearCaches();
            EncodedVideo want = qa.visionStage().encode(new FakeVideo("whole", frames), vo);
            String wantKey = want.featureKey();
            qa.clearCaches();
            EncodedVideo got;
            try (VisionEncoding e = qa.visionStage().start(new FakeVideo("whole", frames), vo)) {
                assertFalse(e.done());
                assertThrows(IllegalStateException.class, e::result);
                // the lookup, then 3 + 3 + 2 frames, the last batch storing the features
                assertEquals(4, steps(e, 0, 3, 3, 2));
                got = e.result();
            }
            assertFalse(got.cached());
            assertEquals(wantKey, got.featureKey());
            assertEquals(8, got.frames());
            BatchIndependenceTest.assertClose(want.features().pooled(), got.features().pooled(), "pooled features");
            if (saliency) BatchIndependenceTest.assertClose(want.features().saliency(), got.features().saliency(), "saliency");
            assertSame(got.features(), qa.visionCache().get(wantKey), "the features are in the cache under the one-shot key");

            try (VisionEncoding hit = qa.visionStage().start(new FakeVideo("whole", frames), vo)) {
                assertEquals(1, steps(hit, 0), "a cache hit is one unit, with no vision tower");
                assertTrue(hit.result().cached());
                BatchIndependenceTest.assertClose(want.features().pooled(), hit.result().features().pooled(), "pooled features of the hit");
            }
        }
        assertFalse(StreamedVideoTest.threadsLeft());
    }

    @Test
    void aSampleThatChangedIsReencodedAsTheOneShotEncodeDoes() {
        List<RgbFrame> frames = FollowUpTest.clip(8, 8);
        // the container says 10 frames: the third batch never fills; then frames 6 and 7 are encoded
        FakeVideo v = new FakeVideo("fewer", frames).streaming(10, frames);
        qa.clearCaches();
        EncodedVideo want = qa.visionStage().encodeUncached(frames, 0, new VisionOptions(8, BATCH), null);
        try (VisionEncoding e = qa.visionStage().start(v, new VisionOptions(8, BATCH))) {
            assertEquals(4, steps(e, 0, 3, 3, 2));
            BatchIndependenceTest.assertClose(want.features().pooled(), e.result().features().pooled(), "pooled features");
        }
        assertFalse(StreamedVideoTest.threadsLeft());
    }

    @Test
    void anEncodingClosedHalfWayOrFailingLeavesNoThreadAndNoCacheEntry() {
        List<RgbFrame> frames = FollowUpTest.clip(8, 9);
        qa.clearCaches();
        try (VisionEncoding e = qa.visionStage().start(new FakeVideo("half", frames), new VisionOptions(8, BATCH))) {
            e.step();
            e.step();
            assertFalse(e.done());
        }
        assertFalse(StreamedVideoTest.threadsLeft());
        IllegalStateException boom = new IllegalStateException("clip.mp4: corrupt after frame 4");
        VisionEncoding bad = qa.visionStage().start(new FakeVideo("bad", frames).streaming(8, frames.subList(0, 4)).failing(boom),
                new VisionOptions(8, BATCH));
        assertSame(boom, assertThrows(IllegalStateException.class, () -> steps(bad)));
        assertFalse(StreamedVideoTest.threadsLeft());
        assertEquals(0, qa.visionCache().memory().size(), "nothing cached");
    }
}
