package dev.dycoke4j.compress;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RandomPruningTest {
    static final VisualTokens V = Synthetic.video(4, 196, 16, 42);

    @ParameterizedTest
    @ValueSource(doubles = {0.001, 0.1, 0.25, 0.5, 0.7, 1})
    void keepsTheBudgetInOrderAndUnchanged(double r) {
        VisualTokens out = new RandomPruning(r, 5).compress(V);
        assertEquals(Budget.keep(r, 784), out.count());
        int[] src = out.sourceIndex();
        for (int i = 1; i < src.length; i++) assertTrue(src[i] > src[i - 1], "strictly increasing");
        for (int i = 0; i < out.count(); i++) {
            assertArrayEquals(Synthetic.row(V, src[i]), Synthetic.row(out, i));
            assertEquals(V.saliency()[src[i]], out.saliency()[i]);
        }
    }

    @Test
    void sameSeedSameRowsOtherSeedOtherRows() {
        int[] a = new RandomPruning(0.3, 11).compress(V).sourceIndex();
        assertArrayEquals(a, new RandomPruning(0.3, 11).compress(V).sourceIndex());
        assertFalse(java.util.Arrays.equals(a, new RandomPruning(0.3, 12).compress(V).sourceIndex()));
    }

    /** Each row is kept with probability k/n (2000 seeds, 10 of 50: 0.2 ± 5σ). */
    @Test
    void everyRowIsEquallyLikely() {
        VisualTokens v = Synthetic.video(1, 50, 2, 1);
        int[] hits = new int[50];
        for (int seed = 0; seed < 2000; seed++) for (int s : new RandomPruning(0.2, seed).compress(v).sourceIndex()) hits[s]++;
        for (int h : hits) assertEquals(0.2, h / 2000.0, 0.045);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0, -0.5, 1.5, Double.NaN})
    void rejectsBadRatios(double r) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RandomPruning(r, 1));
        assertTrue(e.getMessage().contains("(0, 1]"), e.getMessage());
    }
}
