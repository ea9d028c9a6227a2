package dev.dycoke4j.pipeline;

import dev.dycoke4j.vision.Preprocessor;
import dev.dycoke4j.vision.PreprocessorConfig;
import dev.dycoke4j.vision.RgbFrame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Preprocessing on the background thread: the same values batch by batch, and its failures rethrown unchanged. */
@Timeout(60)
class PrefetchedPixelsTest {
    static final Preprocessor PRE = new Preprocessor(PreprocessorConfig.defaults(56));

    @Test
    void batchesAreSlicesOfTheWholeVideosPixels() {
        List<RgbFrame> frames = FollowUpTest.clip(7, 11);
        float[] all = PRE.pixels(frames);
        int per = 3 * 56 * 56;
        try (PrefetchedPixels p = new PrefetchedPixels(PRE, frames, 3)) {
            assertArrayEquals(Arrays.copyOfRange(all, 0, 3 * per), p.next());
            assertArrayEquals(Arrays.copyOfRange(all, 3 * per, 6 * per), p.next());
            assertArrayEquals(Arrays.copyOfRange(all, 6 * per, 7 * per), p.next());
        }
    }

    @Test
    void aFailureOnTheBackgroundThreadIsRethrownAsIs() {
        List<RgbFrame> good = FollowUpTest.clip(6, 12);
        IllegalStateException boom = new IllegalStateException("frame 4: unreadable");
        int[] reads = new int[1];
        List<RgbFrame> failing = new AbstractList<>() {
            @Override
            public RgbFrame get(int i) {
                if (i == 4 && reads[0]++ > 0) throw boom; // the size check reads it once; the background thread fails
                return good.get(i);
            }

            @Override
            public int size() {
                return good.size();
            }
        };
        try (PrefetchedPixels p = new PrefetchedPixels(PRE, failing, 2)) {
            p.next();
            p.next();
            assertSame(boom, assertThrows(IllegalStateException.class, p::next));
        }
    }

    @Test
    void closingEarlyStopsTheBackgroundThread() {
        Thread worker;
        try (PrefetchedPixels p = new PrefetchedPixels(PRE, FollowUpTest.clip(8, 13), 1)) {
            worker = p.worker();
            assertEquals(3 * 56 * 56, p.next().length);
            // one batch taken, at most one waiting in the queue: the thread cannot have finished its eight
            assertTrue(worker.isAlive(), "the thread is still at work before close");
        }
        assertFalse(worker.isAlive(), "close returns only once the thread has ended");
    }

    @Test
    void framesThatResizeDifferentlyAreRefusedFirst() {
        Preprocessor edge = new Preprocessor(new PreprocessorConfig(0, 0, 56, PreprocessorConfig.BICUBIC, true, true,
                PreprocessorConfig.DEFAULT_RESCALE, true, new double[]{0.5, 0.5, 0.5}, new double[]{0.5, 0.5, 0.5}, true));
        List<RgbFrame> frames = List.of(new RgbFrame(80, 60, new byte[80 * 60 * 3]), new RgbFrame(60, 80, new byte[60 * 80 * 3]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PrefetchedPixels(edge, frames, 1).close());
        assertEquals(assertThrows(IllegalArgumentException.class, () -> edge.pixels(frames)).getMessage(), e.getMessage());
    }
}
