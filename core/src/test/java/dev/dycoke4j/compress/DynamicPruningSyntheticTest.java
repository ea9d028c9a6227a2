package dev.dycoke4j.compress;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** DP's selection, gate, reuse and recall on hand-made attention, without a model. */
class DynamicPruningSyntheticTest {
    /** A prompt of 3 text tokens, 6 visual tokens (positions 3..8), the newline (9) and 2 text tokens. */
    static final int START = 3, VISUAL = 6, LEN = 12;

    static float[] probs(float... visual) {
        float[] p = new float[LEN];
        Arrays.fill(p, 0.01f);
        System.arraycopy(visual, 0, p, START, visual.length);
        return p;
    }

    @Test
    void alwaysKeepsTheTopVisualPositionsAndEveryOtherPosition() {
        var dp = new DynamicPruning(DynamicPruning.Mode.ALWAYS, 2, 0.5, START, VISUAL, 4);
        assertEquals(1, dp.probeLayer());
        assertEquals(3, dp.keepCount());
        int[] active = dp.select(probs(0.1f, 0.5f, 0.05f, 0.3f, 0.02f, 0.4f), LEN);
        assertArrayEquals(new int[]{0, 1, 2, 4, 6, 8, 9, 10, 11}, active);
        assertArrayEquals(new int[]{3}, dp.attendedPerStep());
    }

    @Test
    void officialSpanLeavesTheLastVisualTokenAttendedAndGatesOnCosine() {
        var dp = new DynamicPruning(DynamicPruning.Mode.OFFICIAL, 2, 0.5, START, VISUAL, 4);
        assertEquals(2, dp.keepCount(), "int((6 - 1) * 0.5)");
        float[] a = probs(0.1f, 0.5f, 0.05f, 0.3f, 0.02f, 0.9f);
        // first step always re-selects: top 2 of positions 3..7, plus position 8 (last visual) and everything else
        assertArrayEquals(new int[]{0, 1, 2, 4, 6, 8, 9, 10, 11}, dp.select(a, LEN));
        // nearly the same attention: stable, so the full cache (null) this step
        assertNull(dp.select(probs(0.11f, 0.5f, 0.05f, 0.31f, 0.02f, 0.1f), LEN));
        // attention moved (cosine < 0.9): re-select; a previously pruned position (3) is recalled
        assertArrayEquals(new int[]{0, 1, 2, 3, 5, 8, 9, 10, 11}, dp.select(probs(0.6f, 0.01f, 0.5f, 0.01f, 0.01f, 0.1f), LEN));
        assertArrayEquals(new int[]{3, 6, 3}, dp.attendedPerStep());
        assertEquals(2, dp.reselections());
        assertEquals(4.0, dp.attendedMean(), 1e-12);
    }

    @Test
    void reuseKeepsThePreviousSelectionWhileStable() {
        var dp = new DynamicPruning(DynamicPruning.Mode.REUSE, 2, 0.5, START, VISUAL, 4);
        int[] first = dp.select(probs(0.1f, 0.5f, 0.05f, 0.3f, 0.02f, 0.4f), LEN);
        int[] second = dp.select(probs(0.1f, 0.52f, 0.05f, 0.3f, 0.02f, 0.41f), LEN + 1);
        assertArrayEquals(new int[]{0, 1, 2, 4, 6, 8, 9, 10, 11}, first);
        assertArrayEquals(new int[]{0, 1, 2, 4, 6, 8, 9, 10, 11, 12}, second, "same visual selection, the new token attended");
        assertEquals(1, dp.reselections());
    }

    @Test
    void pZeroKeepsEveryVisualToken() {
        var dp = new DynamicPruning(DynamicPruning.Mode.ALWAYS, 1, 0.0, START, VISUAL, 1);
        int[] all = new int[LEN];
        for (int i = 0; i < LEN; i++) all[i] = i;
        assertArrayEquals(all, dp.select(probs(0.1f, 0.5f, 0.05f, 0.3f, 0.02f, 0.4f), LEN));
    }
}
