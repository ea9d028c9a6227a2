package dev.dycoke4j.compress;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UniformPruningTest {
    static final VisualTokens V = Synthetic.video(4, 196, 16, 42);

    @ParameterizedTest
    @ValueSource(doubles = {0.001, 0.1, 0.3, 0.5, 0.7, 1})
    void keepsRowsAtAUniformStride(double r) {
        VisualTokens out = new UniformPruning(r).compress(V);
        int k = Budget.keep(r, 784);
        assertEquals(k, out.count());
        for (int i = 0; i < k; i++) {
            assertEquals((int) ((long) i * 784 / k), out.sourceIndex()[i]);
            assertArrayEquals(Synthetic.row(V, out.sourceIndex()[i]), Synthetic.row(out, i));
        }
    }

    @Test
    void halfKeepsEveryOtherRow() {
        int[] src = new UniformPruning(0.5).compress(V).sourceIndex();
        for (int i = 0; i < src.length; i++) assertEquals(2 * i, src[i]);
    }

    @Test
    void strideIsSpreadOverTheWholeVideo() {
        VisualTokens out = new UniformPruning(0.1).compress(V); // 78 rows: 20,20,19,19 over the frames
        int[] perFrame = Synthetic.perFrame(out);
        for (int c : perFrame) assertTrue(c == 19 || c == 20, java.util.Arrays.toString(perFrame));
    }

    @ParameterizedTest
    @ValueSource(doubles = {0, -1, 2, Double.NaN})
    void rejectsBadRatios(double r) {
        assertThrows(IllegalArgumentException.class, () -> new UniformPruning(r));
    }
}
