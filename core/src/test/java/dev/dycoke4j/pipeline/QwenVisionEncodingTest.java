package dev.dycoke4j.pipeline;

import dev.dycoke4j.testing.QwenVlOracle;
import dev.dycoke4j.vision.FrameSink;
import dev.dycoke4j.vision.RgbFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link VisionStage#start} on Qwen2.5-VL's oracle model: the lookup, then the frames sampled and preprocessed in the
 * background ({@link VisionEncoding#ready} false until they are there), then one piece of the vision tower per unit,
 * named before it runs; the features are the one-shot encode's bit for bit, even with another encoding's units between
 * them; a cache hit is one unit; an encoding closed half way or failing leaves no thread and no cache entry.
 */
@Timeout(120)
class QwenVisionEncodingTest {
    static VideoQa qa;
    static List<RgbFrame> frames;

    @BeforeAll
    static void load() {
        qa = VideoQa.load(QwenVlOracle.model());
        frames = QwenStages.goldenFrames();
    }

    @AfterAll
    static void close() {
        qa.close();
    }

    /** A video whose timed frames are given, one temporal step a second; its decode may wait for a latch or fail. */
    static final class TimedVideo implements VideoSource {
        final String key;
        final List<RgbFrame> frames;
        CountDownLatch gate = new CountDownLatch(0);
        RuntimeException failure;
        int decodes;

        TimedVideo(String key, List<RgbFrame> frames) {
            this.key = key;
            this.frames = frames;
        }

        @Override
        public String contentKey(int n) {
            throw new UnsupportedOperationException("sampled uniformly");
        }

        @Override
        public List<RgbFrame> decode(int n, FrameSink sink) {
            throw new UnsupportedOperationException("sampled uniformly");
        }

        @Override
        public void cached(int n, int used) {
        }

        @Override
        public String timedContentKey(int n, int temporalPatch) {
            return key == null ? null : key + "/" + n;
        }

        @Override
        public Timed decodeTimed(int n, int temporalPatch) {
            decodes++;
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
            if (failure != null) throw failure;
            return new Timed(frames.subList(0, n), 1.0);
        }
    }

    /**
     * The units of the oracle clip's 8 frames: the lookup, then the tower's pieces, each temporal patch of 192
     * patches one group: the embeddings, per block the ops of each group (blocks 1 and 3 attend over whole temporal
     * patches), then the merger's two ops per group.
     */
    static List<String> units() {
        List<String> u = new ArrayList<>(List.of("lookup"));
        u.addAll(Collections.nCopies(4, "embed"));
        for (int block = 0; block < 4; block++)
            for (int g = 0; g < 4; g++)
                u.addAll(List.of("qkv", block % 2 == 1 ? "attend-full" : "attend", "out", "fc1", "fc2"));
        for (int g = 0; g < 4; g++) u.addAll(List.of("merge", "merge-out"));
        return u;
    }

    /** The units {@code e} runs to its end, named before each; {@code between} runs after each. */
    static List<String> run(VisionEncoding e, Runnable between) {
        List<String> named = new ArrayList<>();
        boolean done = false;
        while (!done) {
            named.add(e.next());
            done = e.step();
            between.run();
        }
        assertThrows(IllegalStateException.class, e::next);
        return named;
    }

    static boolean decodeThreadLeft() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.isAlive() && t.getName().equals("dycoke-decode"));
    }

    @Test
    void eachUnitIsOnePieceAndTheFeaturesAreTheOneShotEncodesBitForBit() {
        VisionOptions vo = VisionOptions.of(8);
        EncodedVideo want = qa.visionStage().encodeUncached(frames, 1.0, 0, vo, null);
        qa.clearCaches();
        EncodedVideo got;
        List<String> named;
        long before = qa.visionFrames();
        try (VisionEncoding e = qa.visionStage().start(new TimedVideo("clip", frames), vo);
             VisionEncoding o = qa.visionStage().start(new TimedVideo("other", frames.subList(2, 6)), VisionOptions.of(4))) {
            assertFalse(e.done());
            assertThrows(IllegalStateException.class, e::result);
            // another video's units between this one's: the pieces share nothing but the weights
            named = run(e, () -> {
                if (!e.done()) assertEquals(before + (o.done() ? 4 : 0), qa.visionFrames(), "this video's frames count once its last piece ran");
                if (!o.done()) o.step();
            });
            got = e.result();
        }
        assertEquals(before + 8 + 4, qa.visionFrames(), "the two videos' frames went through the tower once");
        assertEquals(units(), named, "the units, named before each ran");
        assertFalse(got.cached());
        assertEquals(8, got.frames());
        assertEquals(4, got.features().frames(), "temporal steps of two frames");
        assertEquals(want.features().grid(), got.features().grid());
        assertArrayEquals(want.features().pooled(), got.features().pooled(), "video features, bit for bit"); // JUnit compares floats by their bits

        TimedVideo clip = new TimedVideo("clip", frames);
        try (VisionEncoding hit = qa.visionStage().start(clip, vo)) {
            assertEquals(List.of("lookup"), run(hit, () -> { }), "a cache hit is one unit");
            assertTrue(hit.result().cached());
            assertSame(hit.result().features(), qa.visionCache().get(hit.result().featureKey()));
        }
        assertEquals(0, clip.decodes, "a hit decodes nothing");
        assertFalse(decodeThreadLeft());
    }

    @Test
    void theUnitAfterTheLookupWaitsForTheBackgroundDecodeAndReadySaysSo() throws Exception {
        qa.clearCaches();
        TimedVideo clip = new TimedVideo("slow", frames);
        clip.gate = new CountDownLatch(1);
        try (VisionEncoding e = qa.visionStage().start(clip, VisionOptions.of(8))) {
            assertTrue(e.ready(), "the lookup waits for nothing");
            assertEquals("lookup", e.next());
            assertFalse(e.step());
            assertEquals("embed", e.next());
            assertFalse(e.ready(), "the frames are still being decoded");
            clip.gate.countDown();
            for (int i = 0; i < 1200 && !e.ready(); i++) Thread.sleep(10);
            assertTrue(e.ready(), "decoded and preprocessed");
            assertFalse(e.step());
            assertEquals("embed", e.next(), "the second group's embedding");
            while (!e.step()) assertTrue(e.ready(), "the tower's pieces wait for nothing");
            assertEquals(4, e.result().features().frames());
        }
        assertFalse(decodeThreadLeft());
    }

    @Test
    void aSourceWithoutAContentKeyIsLookedUpByItsFramesOnceDecoded() {
        qa.clearCaches();
        VisionOptions vo = VisionOptions.of(8);
        EncodedVideo first = qa.visionStage().encode(new TimedVideo(null, frames), vo);
        assertFalse(first.cached());
        try (VisionEncoding e = qa.visionStage().start(new TimedVideo(null, frames), vo)) {
            assertEquals(List.of("lookup", "embed"), run(e, () -> { }), "the frames' key is found when they are taken");
            assertTrue(e.result().cached());
            assertSame(first.features(), e.result().features());
        }
        assertFalse(decodeThreadLeft());
    }

    @Test
    void anEncodingClosedHalfWayOrFailingLeavesNoThreadAndNoCacheEntry() {
        qa.clearCaches();
        TimedVideo stuck = new TimedVideo("stuck", frames);
        stuck.gate = new CountDownLatch(1);
        try (VisionEncoding e = qa.visionStage().start(stuck, VisionOptions.of(8))) {
            e.step();
            assertFalse(e.ready());
        }
        assertFalse(decodeThreadLeft(), "closing interrupts the decode and waits for it");
        try (VisionEncoding e = qa.visionStage().start(new TimedVideo("half", frames), VisionOptions.of(8))) {
            for (int i = 0; i < 10; i++) e.step();
            assertFalse(e.done());
        }
        assertFalse(decodeThreadLeft());
        TimedVideo bad = new TimedVideo("bad", frames);
        bad.failure = new IllegalStateException("clip.mp4: corrupt after frame 4");
        VisionEncoding e = qa.visionStage().start(bad, VisionOptions.of(8));
        assertFalse(e.step());
        assertSame(bad.failure, assertThrows(IllegalStateException.class, e::step), "the decode's own error");
        assertFalse(decodeThreadLeft());
        assertEquals(0, qa.visionCache().memory().size(), "nothing cached");
    }
}
