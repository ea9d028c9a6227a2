package dev.dycoke4j.kernel;

import dev.dycoke4j.tensor.Q8Matrix;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link Q8Matvec}'s tiles and {@link GemmQ8}'s matvec against {@link #rowTwin}, a scalar twin that does the same
 * arithmetic lane by lane (each weight {@code quant · scale} rounded to float, two accumulators per lane, one FMA per
 * element in the order of e, the fixed lane tree), compared bit for bit; and a row's result against the same row
 * alone, bit for bit, whatever the batch around it. Widths with and without a last half group; run at 256 and 512
 * bits by the vector-widths profile (tiles of 4 and of 8 rows).
 */
class Q8MatvecTest {
    static final int[] KS = {64, 96, 128, 160, 896, 928};

    /**
     * Row {@code xo} of x times row j of W as the matvec defines it, in plain loops: lanes c of L, per group of 64
     * and each of its H = 16/L word loads h, element {@code g·64 + L·h + c} and the ones 16, 32 and 48 after it; then
     * the two accumulators added, the lanes summed pairwise (lane c with c + L/2, then c + L/4, ...), the last half
     * group the same way on its own (in order, L elements a step; sequentially where L bytes are no vector), and the
     * bias.
     */
    static float rowTwin(float[] x, int xo, int k, Q8Matrix w, int j, float[] bias) {
        int L = GemmQ8.L, whole = k / 64 * 64;
        float sum = wholeGroupsTwin(x, xo, k, w, j);
        if (whole < k) {
            float s = w.scale(j, whole / 32), half = 0;
            if (GemmQ8.B != null) {
                float[] h = new float[L];
                for (int v = 0; v < 32; v += L)
                    for (int c = 0; c < L; c++) h[c] = Math.fma(w.quant(j, whole + v + c) * s, x[xo + whole + v + c], h[c]);
                half = tree(h);
            } else {
                for (int e = whole; e < k; e++) half += x[xo + e] * (w.quant(j, e) * s);
            }
            sum += half;
        }
        return sum + (bias == null ? 0f : bias[j]);
    }

    /** What a tile writes: {@link #rowTwin} over the whole groups only, without the half group and the bias. */
    static float wholeGroupsTwin(float[] x, int xo, int k, Q8Matrix w, int j) {
        int L = GemmQ8.L, H = 16 / L;
        float[] a = new float[L], b = new float[L];
        for (int g = 0; g < k / 64; g++) {
            float s0 = w.scale(j, 2 * g), s1 = w.scale(j, 2 * g + 1);
            for (int h = 0; h < H; h++)
                for (int c = 0; c < L; c++) {
                    int e = g * 64 + L * h + c;
                    a[c] = Math.fma(w.quant(j, e) * s0, x[xo + e], a[c]);
                    a[c] = Math.fma(w.quant(j, e + 16) * s0, x[xo + e + 16], a[c]);
                    b[c] = Math.fma(w.quant(j, e + 32) * s1, x[xo + e + 32], b[c]);
                    b[c] = Math.fma(w.quant(j, e + 48) * s1, x[xo + e + 48], b[c]);
                }
        }
        for (int c = 0; c < L; c++) a[c] += b[c];
        return tree(a);
    }

    /** Lane c with lane c ^ d, for d = L/2 down to 1: lane 0 then holds the tree's sum. */
    static float tree(float[] lanes) {
        float[] t = lanes.clone();
        for (int d = t.length / 2; d >= 1; d /= 2) {
            float[] u = new float[t.length];
            for (int c = 0; c < t.length; c++) u[c] = t[c] + t[c ^ d];
            t = u;
        }
        return t[0];
    }

    static void assertBits(float want, float got, String what) {
        if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(got)) fail(what + ": " + got + ", want " + want + " bit for bit");
    }

    @Test
    void everyTileWithEveryRowCountIsItsScalarTwinBitForBit() {
        SplittableRandom r = new SplittableRandom(41);
        try (Arena arena = Arena.ofShared()) {
            for (int k : KS) {
                int n = 21;
                Q8Matrix w = GemmQ8Test.q8(r, n, k, arena);
                // tile of 8 wherever a vector holds 8 lanes or more, though only AVX-512 routes through it
                for (int tile : GemmQ8.L >= 8 ? new int[] {1, 2, 4, 8} : new int[] {1, 2, 4})
                    for (int rows = 1; rows <= tile; rows++) {
                        if (tile > 1 && rows == 1) continue;
                        int i0 = 1, m = i0 + rows + 1; // rows of x before and after the tile's, which it must not write
                        float[] x = KernelTesting.randoms(r, m * k, 1), y = new float[m * n];
                        Arrays.fill(y, Float.NaN);
                        int j0 = 3, j1 = n - 2;
                        float[] sums = new float[GemmQ8.L];
                        switch (tile) {
                            case 1 -> Q8Matvec.tile1(x, i0 * k, k, w.quants(), w.scales(), y, i0 * n, j0, j1);
                            case 2 -> Q8Matvec.tile2(x, i0, rows, k, w.quants(), w.scales(), y, n, j0, j1, sums);
                            case 4 -> Q8Matvec.tile4(x, i0, rows, k, w.quants(), w.scales(), y, n, j0, j1, sums);
                            default -> Q8Matvec.tile8(x, i0, rows, k, w.quants(), w.scales(), y, n, j0, j1, sums);
                        }
                        for (int i = 0; i < m; i++)
                            for (int j = 0; j < n; j++) {
                                String what = "tile " + tile + " rows=" + rows + " k=" + k + " y[" + i + "," + j + "]";
                                boolean written = i >= i0 && i < i0 + rows && j >= j0 && j < j1;
                                if (!written) assertEquals(Float.NaN, y[i * n + j], what + " written");
                                else assertBits(wholeGroupsTwin(x, i * k, k, w, j), y[i * n + j], what);
                            }
                    }
            }
        }
    }

    @Test
    void theMatvecIsItsScalarTwinBitForBitForEveryRowCount() {
        SplittableRandom r = new SplittableRandom(43);
        try (Arena arena = Arena.ofShared()) {
            for (int k : KS)
                for (int m = 1; m <= 19; m++) {
                    if (k > 160 && m > 10 && m != 17) continue; // tile passes: a few suffice at the long widths
                    int n = 13;
                    Q8Matrix w = GemmQ8Test.q8(r, n, k, arena);
                    float[] x = KernelTesting.randoms(r, m * k, 1), bias = m % 2 == 0 ? KernelTesting.randoms(r, n, 1) : null;
                    float[] y = new float[m * n];
                    Arrays.fill(y, Float.NaN);
                    int mm = m;
                    KernelTesting.withThreads(1 + m % 2, () -> GemmQ8.linearMatvec(x, mm, k, w, bias, y));
                    for (int i = 0; i < m; i++)
                        for (int j = 0; j < n; j++) assertBits(rowTwin(x, i * k, k, w, j, bias), y[i * n + j], "m=" + m + " k=" + k + " y[" + i + "," + j + "]");
                    GemmQ8Test.check("m=" + m + " k=" + k, x, m, k, w, bias, y);
                }
        }
    }

    @Test
    void aRowsResultDoesNotDependOnItsBatchToTheBit() {
        // each row of a batch of 1..9 (and of two tile passes) against the same row alone, with other rows around it,
        // called again and again so that the kernels run interpreted and, once the JIT has them, compiled
        SplittableRandom r = new SplittableRandom(47);
        try (Arena arena = Arena.ofShared()) {
            for (int k : new int[] {96, 896}) {
                int n = 29;
                Q8Matrix w = GemmQ8Test.q8(r, n, k, arena);
                float[] bias = KernelTesting.randoms(r, n, 1);
                float[] row = KernelTesting.randoms(r, k, 1), alone = new float[n];
                GemmQ8.linear(row, 1, k, w, bias, alone);
                for (int rep = 0; rep < (k == 96 ? 40 : 4); rep++)
                    for (int m : new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17}) {
                        for (int at = 0; at < m; at += Math.max(1, m / 3)) {
                            float[] x = KernelTesting.randoms(r, m * k, 1), y = new float[m * n];
                            System.arraycopy(row, 0, x, at * k, k);
                            if (m <= GemmQ8.MATVEC_MAX_ROWS) GemmQ8.linear(x, m, k, w, bias, y);
                            else GemmQ8.linearMatvec(x, m, k, w, bias, y);
                            for (int j = 0; j < n; j++) assertBits(alone[j], y[at * n + j], "k=" + k + ": row " + at + " of " + m + ", y[" + j + "]");
                        }
                        float[] again = new float[n];
                        GemmQ8.linear(row, 1, k, w, bias, again);
                        for (int j = 0; j < n; j++) assertBits(alone[j], again[j], "k=" + k + ": the row alone again, y[" + j + "]");
                    }
            }
        }
    }

    @Test
    void sameInputLayersGiveEachLayersOwnRowsToTheBit() {
        SplittableRandom r = new SplittableRandom(53);
        try (Arena arena = Arena.ofShared()) {
            Q8Matrix[] ws = {GemmQ8Test.q8(r, 70, 896, arena), GemmQ8Test.q8(r, 9, 896, arena)};
            float[][] bs = {null, KernelTesting.randoms(r, 9, 1)};
            for (int m : new int[] {1, 2, 5, 8}) {
                float[] x = KernelTesting.randoms(r, m * 896, 1);
                float[][] ys = {new float[m * 70], new float[m * 9]};
                KernelTesting.withThreads(2, () -> GemmQ8.linearSameInput(x, m, 896, ws, bs, ys));
                for (int l = 0; l < 2; l++)
                    for (int i = 0; i < m; i++)
                        for (int j = 0; j < ws[l].rows(); j++)
                            assertBits(rowTwin(x, i * 896, 896, ws[l], j, bs[l]), ys[l][i * ws[l].rows() + j], "layer " + l + " m=" + m + " y[" + i + "," + j + "]");
            }
        }
    }
}
