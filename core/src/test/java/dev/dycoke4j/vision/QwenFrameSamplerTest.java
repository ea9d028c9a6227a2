package dev.dycoke4j.vision;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class QwenFrameSamplerTest {
    @Test
    void byCountSpreadsAnEvenCountAndRoundsHalfToEven() {
        // linspace(0, 9, 4) = 0, 3, 6, 9
        var s = QwenFrameSampler.byCount(QwenFrameSampler.uniformTimestamps(10, 5), 4, 2);
        assertArrayEquals(new int[]{0, 3, 6, 9}, s.indices());
        // linspace(0, 3, 4) = 0, 1, 2, 3; linspace(0, 4, 4) = 0, 1.33, 2.67, 4 -> 0, 1, 3, 4
        assertArrayEquals(new int[]{0, 1, 3, 4}, QwenFrameSampler.linspaceRound(4, 4));
        // linspace(0, 3, 3) = 0, 1.5, 3: 1.5 rounds to 2 (half to even); linspace(0, 5, 3) = 0, 2.5, 5: 2.5 to 2
        assertArrayEquals(new int[]{0, 2, 3}, QwenFrameSampler.linspaceRound(3, 3));
        assertArrayEquals(new int[]{0, 2, 5}, QwenFrameSampler.linspaceRound(5, 3));
    }

    @Test
    void theSameCountFromA1FpsAndA30FpsClipSpansDifferentTimes() {
        // 8 frames of each: one 60 s clip at 1 fps, one 10 s clip at 30 fps
        var slow = QwenFrameSampler.byCount(QwenFrameSampler.uniformTimestamps(60, 1.0), 8, 2);
        var fast = QwenFrameSampler.byCount(QwenFrameSampler.uniformTimestamps(300, 30.0), 8, 2);
        assertEquals(8, slow.count());
        assertEquals(8, fast.count());
        // sample_fps = n / total * video_fps: 8/60 and 8/10 frames per second
        assertEquals(8.0 / 60, slow.sampleFps(), 1e-12);
        assertEquals(0.8, fast.sampleFps(), 1e-12);
        // second_per_grid_ts = 2 / sample_fps: 15 s and 2.5 s per temporal patch
        assertEquals(15.0, slow.secondPerGridT(), 1e-9);
        assertEquals(2.5, fast.secondPerGridT(), 1e-9);
    }

    @Test
    void theRateComesFromTheTimestampsNotAContainerFigure() {
        // 40 frames whose timestamps say 4 fps (a container could claim anything)
        double[] ts = new double[40];
        for (int i = 0; i < ts.length; i++) ts[i] = 3.0 + i * 0.25;
        var s = QwenFrameSampler.byCount(ts, 8, 2);
        assertEquals(8.0 / 40 * 4, s.sampleFps(), 1e-12);
        assertEquals(2 / (8.0 / 40 * 4), s.secondPerGridT(), 1e-12);
    }

    @Test
    void byFpsFollowsQwenVlUtils() {
        // 10 s at 30 fps, fps 2: nframes = 300/30*2 = 20 at linspace(0, 299, 20).round()
        var s = QwenFrameSampler.byFps(QwenFrameSampler.uniformTimestamps(300, 30.0), 2.0, 2);
        assertEquals(20, s.count());
        int[] idx = s.indices();
        assertEquals(0, idx[0]);
        assertEquals(16, idx[1]); // 299/19 = 15.74
        assertEquals(299, idx[19]);
        assertEquals(2.0, s.sampleFps(), 1e-12);
        assertEquals(1.0, s.secondPerGridT(), 1e-12);
        // 10 s at 1 fps, fps 2: 20 frames wanted, capped at the 10 there are
        var slow = QwenFrameSampler.byFps(QwenFrameSampler.uniformTimestamps(10, 1.0), 2.0, 2);
        assertArrayEquals(new int[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, slow.indices());
        assertEquals(1.0, slow.sampleFps(), 1e-12);
        assertEquals(2.0, slow.secondPerGridT(), 1e-12);
        // at least 4 frames: 3 s at 10 fps, fps 0.5 -> 1.5 wanted -> 4
        assertEquals(4, QwenFrameSampler.byFps(QwenFrameSampler.uniformTimestamps(30, 10.0), 0.5, 2).count());
        // an odd frame count caps to the pairs it holds: 7 frames -> 6 (floor_by_factor(min(768, 7), 2))
        assertEquals(6, QwenFrameSampler.byFps(QwenFrameSampler.uniformTimestamps(7, 2.0), 2.0, 2).count());
        // at most 768
        assertEquals(768, QwenFrameSampler.byFps(QwenFrameSampler.uniformTimestamps(20000, 30.0), 2.0, 2).count());
    }

    @Test
    void timestampNoiseDoesNotDropAPair() {
        // 10 s at 30 fps with timestamps summed frame by frame: 300 / rate · 2 comes out as 19.99999999999995
        double[] ts = new double[300];
        for (int i = 1; i < ts.length; i++) ts[i] = ts[i - 1] + 1 / 30.0;
        assertEquals(20, QwenFrameSampler.byFps(ts, 2.0, 2).count());
    }

    @Test
    void oddCountIsRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> QwenFrameSampler.byCount(QwenFrameSampler.uniformTimestamps(30, 1.0), 7, 2));
        assertEquals("frame count 7 must be a positive multiple of 2 (Qwen2.5-VL takes frames in groups of 2)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> QwenFrameSampler.byCount(QwenFrameSampler.uniformTimestamps(30, 1.0), 0, 2));
    }

    @Test
    void aVideoTooShortForOnePairIsRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> QwenFrameSampler.byCount(QwenFrameSampler.uniformTimestamps(1, 30.0), 8, 2));
        assertEquals("the video has 1 frame, too few for one temporal patch of 2 frames", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> QwenFrameSampler.byFps(new double[0], 2.0, 2));
        assertEquals("the video has 0 frames, too few for one temporal patch of 2 frames", e.getMessage());
    }

    @Test
    void fewerFramesThanAskedGiveAllPairs() {
        var s = QwenFrameSampler.byCount(QwenFrameSampler.uniformTimestamps(5, 2.0), 16, 2);
        assertArrayEquals(new int[]{0, 1, 3, 4}, s.indices());
    }

    @Test
    void badTimestampsOrRateAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> QwenFrameSampler.byCount(new double[]{0, 0.5, 0.5, 1}, 2, 2));
        assertEquals("frame timestamps must increase: frame 2 at 0.5 s follows 0.5 s", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> QwenFrameSampler.byFps(QwenFrameSampler.uniformTimestamps(10, 1), 0, 2));
        assertEquals("sampling rate 0.0 fps must be positive", e.getMessage());
    }
}
