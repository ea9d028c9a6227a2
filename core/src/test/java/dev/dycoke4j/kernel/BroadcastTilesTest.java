package dev.dycoke4j.kernel;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/** {@link BroadcastTiles#product} against a plain sum in double. */
class BroadcastTilesTest {

    /**
     * Both tile widths, row counts with and without a remainder past the tiles of 6, A read as itself and transposed
     * (the two ways attention reads its keys and values), overwriting C and adding to it; entries of C past the
     * tile's columns are left alone; the running column max becomes the largest of itself and the column's results.
     */
    @Test
    void productAgainstAPlainSum() {
        SplittableRandom r = new SplittableRandom(9);
        int L = BroadcastTiles.L;
        for (int nv : new int[] {2, 4})
            for (int m : new int[] {1, 5, 6, 13})
                for (boolean transposed : new boolean[] {false, true})
                    for (boolean acc : new boolean[] {false, true}) {
                        int K = 11, w = nv * L, cs = w + 3, bs = w + 1, ld = (transposed ? m : K) + 2;
                        int ars = transposed ? 1 : ld, aks = transposed ? ld : 1, ao = 4, bo = 2, co = 1;
                        float[] a = KernelTesting.randoms(r, ao + (transposed ? K : m) * ld, 1);
                        float[] b = KernelTesting.randoms(r, bo + K * bs, 1);
                        float[] c = KernelTesting.randoms(r, co + m * cs, 1), before = c.clone();
                        float[] max = KernelTesting.randoms(r, w, 2), maxBefore = max.clone();
                        BroadcastTiles.product(a, ao, ars, aks, m, b, bo, bs, K, nv, c, co, cs, acc, max);
                        for (int j = 0; j < w; j++) {
                            float want = maxBefore[j];
                            for (int row = 0; row < m; row++) want = Math.max(want, c[co + row * cs + j]);
                            if (max[j] != want) fail("nv=" + nv + " m=" + m + ": max[" + j + "] = " + max[j] + ", want " + want);
                        }
                        for (int i = 0; i < c.length; i++) {
                            int row = (i - co) / cs, j = (i - co) % cs;
                            boolean inTile = i >= co && j < w;
                            double want = before[i];
                            if (inTile) {
                                want = acc ? before[i] : 0;
                                for (int k = 0; k < K; k++) want += (double) a[ao + row * ars + k * aks] * b[bo + k * bs + j];
                            }
                            if (!(Math.abs(c[i] - want) <= 1e-5))
                                fail("nv=" + nv + " m=" + m + " transposed=" + transposed + " acc=" + acc + ": c[" + i + "] = " + c[i] + ", want " + want);
                        }
                    }
    }
}
