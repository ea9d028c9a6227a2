package dev.dycoke4j.kernel;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The panel layout: where each key lands, and that rows go in and come out unchanged. */
class KeyPanelsTest {
    static final int KP = KeyPanels.KP;

    @Test
    void keyOfHeadAndElementLandsWhereTheLayoutSays() {
        int KVH = 3, D = 5, n = 2 * KP + 3;
        float[] rows = new float[n * KVH * D];
        for (int s = 0; s < n; s++) for (int g = 0; g < KVH; g++) for (int d = 0; d < D; d++) rows[(s * KVH + g) * D + d] = s * 1000 + g * 100 + d;
        float[] kp = KeyPanels.fromRows(rows, n, n, KVH, D);
        assertEquals(KeyPanels.panels(n) * KVH * D * KP, kp.length);
        assertEquals(3, KeyPanels.panels(n));
        for (int s = 0; s < n; s++)
            for (int g = 0; g < KVH; g++)
                for (int d = 0; d < D; d++)
                    assertEquals(s * 1000 + g * 100 + d, kp[((s / KP) * KVH + g) * D * KP + d * KP + s % KP], "s=" + s + " g=" + g + " d=" + d);
    }

    @Test
    void rowsRoundTripThroughPutAndGet() {
        SplittableRandom r = new SplittableRandom(3);
        int KVH = 2, D = 64, n = 3 * KP + 7;
        float[] rows = KernelTesting.randoms(r, n * KVH * D, 1);
        float[] kp = new float[KeyPanels.floats(n, KVH, D)];
        // in three pieces that straddle panel boundaries, from a source with its own stride and offset
        int stride = KVH * D + 3;
        float[] src = new float[5 + n * stride];
        for (int s = 0; s < n; s++) System.arraycopy(rows, s * KVH * D, src, 5 + s * stride, KVH * D);
        int[] cuts = {0, KP - 1, 2 * KP + 1, n};
        for (int i = 0; i + 1 < cuts.length; i++)
            KeyPanels.put(kp, KVH, D, cuts[i], cuts[i + 1] - cuts[i], src, 5 + cuts[i] * stride, stride);
        assertArrayEquals(rows, KeyPanels.toRows(kp, n, n, KVH, D));
        float[] one = new float[KVH * D + 2];
        KeyPanels.get(kp, KVH, D, KP + 4, one, 2);
        assertArrayEquals(Arrays.copyOfRange(rows, (KP + 4) * KVH * D, (KP + 5) * KVH * D), Arrays.copyOfRange(one, 2, one.length));
    }

    @Test
    void growingTheArrayKeepsEveryKeyInPlace() {
        SplittableRandom r = new SplittableRandom(4);
        int KVH = 2, D = 8, n = KP + 5;
        float[] rows = KernelTesting.randoms(r, n * KVH * D, 1);
        float[] kp = KeyPanels.fromRows(rows, n, n, KVH, D);
        float[] grown = Arrays.copyOf(kp, KeyPanels.floats(4 * n, KVH, D));
        assertEquals(KeyPanels.panels(4 * n) * KP, KeyPanels.capacity(grown.length, KVH, D));
        assertArrayEquals(rows, KeyPanels.toRows(grown, n, n, KVH, D));
    }
}
