package dev.dycoke4j.compress;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Frame subsampling: whole frames at a uniform stride, as many as the budget rounds to. */
class FrameSubsamplingTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0.25 | 32 | 196 | 0 4 8 12 16 20 24 28",   // DyCoke's K=1 budget at 32 frames: 8-frame subsampling
            "0.5 | 32 | 196 | 0 2 4 6 8 10 12 14 16 18 20 22 24 26 28 30",
            "0.1 | 8 | 196 | 0",                          // 156.8 tokens round to one frame
            "0.01 | 8 | 16 | 0",                          // at least one frame
            "0.4 | 8 | 16 | 0 2 5",                       // 51 tokens: 3 frames, floor(i·8/3)
            "1 | 4 | 16 | 0 1 2 3"})
    void keepsEveryKthFrame(double ratio, int frames, int tokens, String expected) {
        int[] want = Arrays.stream(expected.split(" ")).mapToInt(Integer::parseInt).toArray();
        assertArrayEquals(want, new FrameSubsampling(ratio).keptFrames(frames, tokens));
    }

    @Test
    void keepsTheWholeFramesInOrderWithTheirFeatures() {
        int F = 4, T = 3, D = 2;
        float[] x = new float[F * T * D];
        for (int i = 0; i < x.length; i++) x[i] = i;
        VisualTokens out = new FrameSubsampling(0.5).compress(VisualTokens.pooled(x, F, T, D));
        assertArrayEquals(new int[]{0, 1, 2, 6, 7, 8}, out.sourceIndex());
        assertEquals(12f, out.features()[6], "row 3 is token 6");
    }

    @Test
    void needsEveryPooledToken() {
        VisualTokens some = VisualTokens.pooled(new float[8], 2, 2, 2).select(new int[]{0, 1});
        var e = assertThrows(IllegalArgumentException.class, () -> new FrameSubsampling(0.5).compress(some));
        assertEquals("frame subsampling needs every pooled token, got 2 of 4", e.getMessage());
    }
}
