package dev.dycoke4j.pipeline;

import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.vision.RgbFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link VisionStage#start}, the encode in units of work, on the oracle model: after the lookup, one piece per unit
 * (one frame's share of one op of one layer of the vision tower, then one frame's projector and pooling), named before
 * it runs; the one-shot encode's features, saliency and cache entry bit for bit, even with another encoding's units
 * run between the units; a cache hit in one unit; and no thread left behind by an encoding closed half way or failing.
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

    /**
     * Steps until done, checking that each step after the lookup put at most one batch through the vision tower;
     * returns the steps taken.
     */
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

    /**
     * The units of an encode of {@code frames} frames in batches of {@link #BATCH} on the oracle tower: the lookup,
     * then per batch each frame's embedding, per layer and frame q/k/v, (in the last layer, with the saliency, a piece
     * per head,) the attention, o, fc1 and fc2, and each frame's projector and pooling.
     */
    static List<String> units(int frames, boolean saliency) {
        var c = qa.model().config();
        int layers = c.visionFeatureLayer() < 0 ? c.vision().numLayers() + 1 + c.visionFeatureLayer() : c.visionFeatureLayer();
        List<String> u = new ArrayList<>(List.of("lookup"));
        for (int f0 = 0; f0 < frames; f0 += BATCH) {
            int nb = Math.min(BATCH, frames - f0);
            u.addAll(Collections.nCopies(nb, "embed"));
            for (int l = 0; l < layers; l++)
                for (int f = 0; f < nb; f++) {
                    u.add("qkv");
                    if (saliency && l == layers - 1) u.addAll(Collections.nCopies(c.vision().numHeads(), "saliency"));
                    u.addAll(List.of("attend", "out", "fc1", "fc2"));
                }
            u.addAll(Collections.nCopies(nb, "project"));
        }
        return u;
    }

    /** The units {@code e} runs to its end, named by {@link VisionEncoding#next} before each; {@code between} runs after each. */
    static List<String> run(VisionEncoding e, Runnable between) {
        List<String> named = new ArrayList<>();
        boolean done = false;
        while (!done) {
            assertTrue(e.ready() || named.isEmpty() || named.getLast().equals("project") || named.getLast().equals("lookup"),
                    "only a new batch may wait for its frames");
            named.add(e.next());
            done = e.step();
            between.run();
        }
        assertThrows(IllegalStateException.class, e::next);
        return named;
    }

    static void assertSameBits(float[] want, float[] got, String what) {
        assertArrayEquals(want, got, what + ": bit for bit"); // JUnit compares floats by their bits
    }

    @Test
    void eachUnitIsOnePieceAndTheFeaturesAreTheOneShotEncodesBitForBit() {
        List<RgbFrame> frames = FollowUpTest.clip(8, 7), other = FollowUpTest.clip(5, 3);
        for (boolean saliency : new boolean[]{false, true}) {
            VisionOptions vo = new VisionOptions(8, BATCH).withSaliency(saliency);
            // The Vector API's exp and lane sums give other last bits interpreted than compiled (BatchIndependenceTest),
            // so the comparison is made in a window where two one-shot encodes around the units agree bit for bit.
            boolean compared = false;
            for (int attempt = 0; attempt < 5 && !compared; attempt++) {
                qa.clearCaches();
                EncodedVideo want = qa.visionStage().encode(new FakeVideo("whole", frames), vo);
                qa.clearCaches();
                EncodedVideo got;
                List<String> named;
                try (VisionEncoding e = qa.visionStage().start(new FakeVideo("whole", frames), vo);
                     VisionEncoding o = qa.visionStage().start(new FakeVideo("other", other), new VisionOptions(5, 2))) {
                    assertFalse(e.done());
                    assertThrows(IllegalStateException.class, e::result);
                    // another video's units between this one's: the pieces share nothing but the weights
                    named = run(e, () -> {
                        if (!o.done()) o.step();
                    });
                    got = e.result();
                }
                qa.clearCaches();
                EncodedVideo again = qa.visionStage().encode(new FakeVideo("whole", frames), vo);
                assertEquals(units(8, saliency), named, "the units, named before each ran");
                assertFalse(got.cached());
                assertEquals(want.featureKey(), got.featureKey());
                assertEquals(8, got.frames());
                if (!Arrays.equals(want.features().pooled(), again.features().pooled())) continue;
                if (saliency && !Arrays.equals(want.features().saliency(), again.features().saliency())) continue;
                assertSameBits(want.features().pooled(), got.features().pooled(), "pooled features");
                if (saliency) assertSameBits(want.features().saliency(), got.features().saliency(), "saliency");
                compared = true;
            }
            assertTrue(compared, "two one-shot encodes never agreed bit for bit");

            qa.clearCaches();
            EncodedVideo got;
            try (VisionEncoding e = qa.visionStage().start(new FakeVideo("whole", frames), vo)) {
                // a batch's frames have gone through the tower once its last tower piece ran: 3, 3, then 2 frames
                List<String> u = units(8, saliency);
                int[] perStep = new int[u.size()];
                int[] batches = {3, 3, 2};
                for (int i = 0, b = 0; i + 1 < u.size(); i++)
                    if (!u.get(i).equals("project") && u.get(i + 1).equals("project")) perStep[i] = batches[b++];
                assertEquals(u.size(), steps(e, perStep));
                got = e.result();
            }
            assertSame(got.features(), qa.visionCache().get(got.featureKey()), "the features are in the cache under the one-shot key");
            try (VisionEncoding hit = qa.visionStage().start(new FakeVideo("whole", frames), vo)) {
                assertEquals(1, steps(hit, 0), "a cache hit is one unit, with no vision tower");
                assertTrue(hit.result().cached());
                assertSame(got.features().pooled(), hit.result().features().pooled(), "the hit's features are the entry's");
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
            steps(e);
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
