package dev.dycoke4j.vision;

import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.testing.QwenVlOracle;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class QwenSmartResizeTest {
    @Test
    void matchesTransformersOnEveryGoldenCase() {
        try (Safetensors g = QwenVlOracle.golden("smart_resize.safetensors")) {
            long[] cases = g.get("cases").toLongArray();
            assertEquals(11 * 6, cases.length);
            for (int i = 0; i < cases.length; i += 6) {
                int[] hw = QwenSmartResize.resize((int) cases[i], (int) cases[i + 1], 28, cases[i + 2], cases[i + 3]);
                assertArrayEquals(new int[]{(int) cases[i + 4], (int) cases[i + 5]}, hw,
                        "smart_resize(" + cases[i] + ", " + cases[i + 1] + ", min " + cases[i + 2] + ", max " + cases[i + 3] + ")");
            }
        }
    }

    @Test
    void roundsHalfToEven() {
        // 70/28 = 2.5 -> 2, 98/28 = 3.5 -> 4: Python's round, not Math.round (which gives 3 and 4)
        assertArrayEquals(new int[]{56, 112}, QwenSmartResize.resize(70, 98, 28, 1, Long.MAX_VALUE));
    }

    @Test
    void aspectRatioAbove200IsRefused() {
        assertArrayEquals(new int[]{28, 5600}, QwenSmartResize.resize(28, 5600, 28, 1, Long.MAX_VALUE));
        var e = assertThrows(IllegalArgumentException.class, () -> QwenSmartResize.resize(10, 2001, 28, 3136, 12845056));
        assertTrue(e.getMessage().startsWith("frame size 2001x10 has an aspect ratio of 200.1; it must be at most 200"), e.getMessage());
    }

    @Test
    void sizesOutsideTheLimitsAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> QwenSmartResize.resize(0, 10, 28, 3136, 12845056));
        assertEquals("frame size 10x0 is empty", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> QwenSmartResize.resize(100, 100, 28, 5000, 4000));
        assertEquals("min_pixels 5000 and max_pixels 4000 do not make a range", e.getMessage());
    }
}
