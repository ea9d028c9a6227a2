package dev.dycoke4j.kernel;

import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Q8Matrix;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PackedGemm}'s products over the panels as the threads may share them: each thread runs its run of panels,
 * and one done early takes blocks from the back of another's ({@link PackedGemm#stealPanels}), so any range of
 * panels may be computed on its own. Splits of the panels into consecutive ranges, each computed alone, must give
 * the bits of the whole range in one call: packed F32 and BF16 panels with an epilogue, and q8 weights
 * dequantized a strip at a time, in both tiles, over one, two and more than two k blocks.
 */
class PanelSplitTest {
    static final int M = PackedGemm.MC_F32 + 7, N = PackedGemm.NC + 4 * PackedGemm.L + 3;
    /** k in one block of either tile, in two, and in more than two of the wide tile's (its k-block-major order). */
    static final int[] KS = {96, 2 * PackedGemm.KC_F32 - 32, 4 * PackedGemm.KC_F32 + 64};

    /** Computes the columns of panels {@code [lo, hi)} into y. */
    interface Panels {
        void run(float[] y, int lo, int hi);
    }

    /**
     * The whole range in one call against splits into [0, a), [a, b), [b, panels), computed in that order: a after the
     * first panel, halfway and before the last, each with b = a (two ranges) and b halfway from a to the end (a middle
     * range, as a block taken from a run's back leaves).
     */
    static void checkSplits(String what, int panels, int outputs, Panels product) {
        assertTrue(panels >= 3, what + ": too few panels to split");
        float[] whole = new float[outputs];
        product.run(whole, 0, panels);
        for (int a : new int[] {1, panels / 2, panels - 1})
            for (int b : new int[] {a, a + (panels - a) / 2}) {
                float[] parts = new float[outputs];
                Arrays.fill(parts, Float.NaN);
                product.run(parts, 0, a);
                product.run(parts, a, b);
                product.run(parts, b, panels);
                assertArrayEquals(whole, parts, what + " split at " + a + ", " + b + " of " + panels + " panels");
            }
    }

    @Test
    void dequantizedStripsGiveTheWholeBitsWhateverTheSplit() {
        SplittableRandom r = new SplittableRandom(41);
        try (Arena arena = Arena.ofShared()) {
            for (PackedGemm.Tile tile : PackedGemm.Tile.values())
                for (int k : KS) {
                    Q8Matrix w = Quantize.q8(KernelTesting.weight(r, N, k, DType.BF16, false, arena));
                    float[] x = KernelTesting.randoms(r, M * k, 1), bias = KernelTesting.randoms(r, N, 1);
                    int panels = (N + tile.nr - 1) / tile.nr;
                    checkSplits("q8 " + tile + " k=" + k, panels, M * N,
                            (y, lo, hi) -> PackedGemm.linearQ8Panels(x, M, k, w, bias, y, tile, lo, hi));
                }
        }
    }

    @Test
    void packedPanelsAndTheirEpilogueGiveTheWholeBitsWhateverTheSplit() {
        SplittableRandom r = new SplittableRandom(43);
        try (Arena arena = Arena.ofShared()) {
            for (PackedGemm.Tile tile : PackedGemm.Tile.values())
                for (DType dt : new DType[] {DType.F32, DType.BF16})
                    for (int k : KS) {
                        PackedGemm.Packed w = PackedGemm.pack(KernelTesting.weight(r, N, k, dt, false, arena), tile);
                        float[] x = KernelTesting.randoms(r, M * k, 1), bias = KernelTesting.randoms(r, N, 1);
                        float[] residual = KernelTesting.randoms(r, M * N, 1);
                        // y and the residual the epilogue adds it into, side by side in one array
                        checkSplits(dt + " " + tile + " k=" + k, w.panels(), 2 * M * N, (yr, lo, hi) -> {
                            float[] y = new float[M * N], res = new float[M * N];
                            if (lo == 0) System.arraycopy(residual, 0, res, 0, M * N);
                            else {
                                System.arraycopy(yr, 0, y, 0, M * N);
                                System.arraycopy(yr, M * N, res, 0, M * N);
                            }
                            PackedGemm.linearPanels(x, M, k, w, bias, y, Epilogue.addInto(res), lo, hi);
                            System.arraycopy(y, 0, yr, 0, M * N);
                            System.arraycopy(res, 0, yr, M * N, M * N);
                        });
                    }
        }
    }
}
