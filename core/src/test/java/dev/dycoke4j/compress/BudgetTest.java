package dev.dycoke4j.compress;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Budgets: the keep rule, per-frame splits, and TTM's count, checked against TTM itself. */
class BudgetTest {
    @Test
    void keepRoundsHalfUpWithinOneAndN() {
        assertEquals(5, Budget.keep(0.5, 10));
        assertEquals(3, Budget.keep(0.25, 10)); // 2.5 rounds up
        assertEquals(2, Budget.keep(0.24, 10));
        assertEquals(10, Budget.keep(1, 10));
        assertEquals(1, Budget.keep(1e-9, 10));
        assertEquals(0, Budget.keep(0.5, 0));
        assertEquals(549, Budget.keep(0.7, 784));
    }

    @ParameterizedTest
    @ValueSource(doubles = {0, -0.1, 1.0000001, Double.NaN, Double.POSITIVE_INFINITY})
    void keepRejectsRatiosOutsideZeroOne(double r) {
        assertThrows(IllegalArgumentException.class, () -> Budget.keep(r, 10));
    }

    @Test
    void perFrameGivesTheRemainderToTheFirstFrames() {
        assertArrayEquals(new int[]{3, 3, 2, 2}, Budget.perFrame(10, 4));
        assertArrayEquals(new int[]{2, 2, 2, 2}, Budget.perFrame(8, 4));
        assertArrayEquals(new int[]{1, 0, 0}, Budget.perFrame(1, 3));
        assertThrows(IllegalArgumentException.class, () -> Budget.perFrame(3, 0));
    }

    @Test
    void perFrameMethodsKeepAtLeastOnePerFrame() {
        VisualTokens v = Synthetic.video(4, 196, 4, 1);
        assertArrayEquals(new int[]{1, 1, 1, 1}, Budget.perFrame("m", 1e-6, v));
        assertArrayEquals(new int[]{138, 137, 137, 137}, Budget.perFrame("m", 0.7, v));
        assertThrows(IllegalArgumentException.class, () -> Budget.perFrame("m", 0.5, v.select(new int[]{0, 1})));
    }

    @Test
    void spreadIsAUniformStride() {
        assertArrayEquals(new int[]{0, 2, 5, 7}, Budget.spread(10, 4));
        assertArrayEquals(new int[]{0, 1, 2}, Budget.spread(3, 3));
        assertArrayEquals(new int[0], Budget.spread(5, 0));
    }

    /** ttmKept and ofTtm give exactly what TTM keeps, for every frame count from 1 to 40. */
    @ParameterizedTest
    @CsvSource({"0.7, 16", "0.7, 196", "0.5, 196", "0.3, 16"})
    void ttmBudgetIsWhatTtmKeeps(double k, int T) {
        for (int F = 2; F <= 40; F++) {
            VisualTokens v = Synthetic.video(F, T, 4, F);
            int actual = new Ttm(k, Ttm.Windows.OFFICIAL, Ttm.Order.OFFICIAL).compress(v).count();
            assertEquals(actual, Budget.ttmKept(k, F, T), "F=" + F);
            double ratio = Budget.ofTtm(k, F, T);
            assertEquals(actual, Budget.keep(ratio, F * T), "F=" + F);
        }
    }

    @Test
    void ttmBudgetByHand() {
        // 8 frames of 16, K=0.7: keep=4; frames 0,4,6 whole, the other five keep 4
        assertEquals(3 * 16 + 5 * 4, Budget.ttmKept(0.7, 8, 16));
        assertThrows(IllegalArgumentException.class, () -> Budget.ttmKept(0.7, 1, 196), "TTM needs two frames");
        assertEquals(196 + 58, Budget.ttmKept(0.7, 3, 196));
    }

    /** Every baseline, run at DyCoke's budget, keeps exactly as many tokens as TTM. */
    @ParameterizedTest
    @CsvSource({"2, 196", "4, 196", "5, 196", "8, 16", "9, 16", "13, 16", "32, 196"})
    void baselinesAtTheDyCokeBudgetKeepTtmsCount(int F, int T) {
        VisualTokens v = Synthetic.video(F, T, 8, 7L * F + T);
        int want = Budget.ttmKept(0.7, F, T);
        assertEquals(want, new Ttm(0.7, Ttm.Windows.OFFICIAL, Ttm.Order.OFFICIAL).compress(v).count());
        double r = Budget.ofTtm(0.7, F, T);
        for (Compressor c : List.of(new RandomPruning(r, 3), new UniformPruning(r), new PruMergePlus(r), new VisionZip(r))) {
            assertEquals(want, c.compress(v).count(), c.getClass().getSimpleName());
        }
    }
}
