package dev.dycoke4j.kernel;

import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Q8Matrix;
import dev.dycoke4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link GemmQ8#linear} (the int8 matvec up to {@value GemmQ8#MATVEC_MAX_ROWS} rows, in tiles of up to 8 rows of x;
 * dequantized packed panels above) against {@link ScalarKernels#linearQ8}, within float rounding. Widths are multiples
 * of 32, as q8 requires (others are refused, see below). {@link Q8MatvecTest} checks the matvec's tiles bit for bit.
 */
class GemmQ8Test {
    static final int[] MS = {1, 2, 3, 4, 5, 7, 8, 9, 64, 65};
    static final int[] KS = {32, 64, 96, 160, 896, 928};
    static final int[] NS = {1, 3, 17, 64, 65};

    static void check(String what, float[] x, int m, int k, Q8Matrix w, float[] bias, float[] y) {
        int n = w.rows();
        float[] want = new float[m * n];
        ScalarKernels.linearQ8(x, m, k, w, bias, want);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double tol = 1e-5 * ScalarKernels.linearQ8Magnitude(x, k, w, bias, i, j) + 1e-30;
                double err = Math.abs(y[i * n + j] - want[i * n + j]);
                if (!(err <= tol)) fail(what + ": y[" + i + "," + j + "] = " + y[i * n + j] + ", want " + want[i * n + j] + " (tolerance " + tol + ")");
            }
    }

    static Q8Matrix q8(SplittableRandom r, int n, int k, Arena arena) {
        return Quantize.q8(KernelTesting.weight(r, n, k, DType.BF16, false, arena));
    }

    static void run(SplittableRandom r, Arena arena, int m, int k, int n, boolean withBias, int threads) {
        Q8Matrix w = q8(r, n, k, arena);
        float[] x = KernelTesting.randoms(r, m * k, 1);
        float[] bias = withBias ? KernelTesting.randoms(r, n, 0.5) : null;
        float[] y = new float[m * n];
        Arrays.fill(y, Float.NaN);
        KernelTesting.withThreads(threads, () -> GemmQ8.linear(x, m, k, w, bias, y));
        check("m=" + m + " k=" + k + " n=" + n + (withBias ? " bias" : "") + " threads=" + threads, x, m, k, w, bias, y);
    }

    @Test
    void everySizeAgainstTheTwin() {
        SplittableRandom r = new SplittableRandom(42);
        try (Arena arena = Arena.ofShared()) {
            for (int m : MS) for (int k : KS) for (int n : NS)
                if ((long) m * k * n <= 2_000_000) run(r, arena, m, k, n, (m + n) % 2 == 0, 1 + (m + k / 32 + n) % 2);
        }
    }

    @Test
    void realShapesOnBothPaths() {
        SplittableRandom r = new SplittableRandom(3);
        try (Arena arena = Arena.ofShared()) {
            run(r, arena, 1, 4864, 40, false, 2);
            run(r, arena, 3, 896, 300, true, 2);
            run(r, arena, 13, 4864, 33, false, 2);
        }
    }

    @Test
    void zeroBlocksHaveScaleZeroAndGiveZero() {
        // row 0 all zero, row 1 zero in its second block only: scale 0, no NaN from 0/0
        int k = 64;
        float[] w = new float[3 * k];
        for (int e = 0; e < 32; e++) w[k + e] = (e - 16) / 8f;
        for (int e = 0; e < k; e++) w[2 * k + e] = 1e-3f * (e + 1);
        {
            Tensor t = new Tensor("w", DType.F32, new long[] {3, k}, MemorySegment.ofArray(w));
            Q8Matrix q = Quantize.q8(t);
            assertEquals(0f, q.scale(0, 0));
            assertEquals(0f, q.scale(0, 1));
            assertEquals(0f, q.scale(1, 1));
            for (int m : new int[] {1, 5}) {
                float[] x = KernelTesting.randoms(new SplittableRandom(m), m * k, 1), y = new float[m * 3];
                GemmQ8.linear(x, m, k, q, null, y);
                for (int i = 0; i < m; i++) {
                    assertEquals(0f, y[i * 3]);
                    assertTrue(Float.isFinite(y[i * 3 + 1]) && Float.isFinite(y[i * 3 + 2]));
                }
                check("zero blocks m=" + m, x, m, k, q, null, y);
            }
        }
    }

    @Test
    void matvecAndPackedAgreeRowByRow() {
        SplittableRandom r = new SplittableRandom(11);
        try (Arena arena = Arena.ofShared()) {
            Q8Matrix w = q8(r, 75, 896, arena);
            int m = GemmQ8.MATVEC_MAX_ROWS + 1;
            float[] x = KernelTesting.randoms(r, m * 896, 1), bias = KernelTesting.randoms(r, 75, 1);
            float[] all = new float[m * 75];
            GemmQ8.linear(x, m, 896, w, bias, all);
            for (int i = 0; i < m; i++) {
                float[] row = Arrays.copyOfRange(x, i * 896, (i + 1) * 896), one = new float[75];
                GemmQ8.linear(row, 1, 896, w, bias, one);
                for (int j = 0; j < 75; j++) assertEquals(all[i * 75 + j], one[j], 1e-5 * ScalarKernels.linearQ8Magnitude(row, 896, w, bias, 0, j));
            }
        }
    }

    @Test
    void dequantizedPanelsOfBothTilesMatchTheTwin() {
        SplittableRandom r = new SplittableRandom(23);
        try (Arena arena = Arena.ofShared()) {
            for (PackedGemm.Tile tile : PackedGemm.Tile.values())
                for (int[] mn : new int[][] {{4, 5}, {13, 4 * PackedGemm.L + 3}, {PackedGemm.MC + 1, 70}}) {
                    int m = mn[0], n = mn[1], k = 96;
                    Q8Matrix w = q8(r, n, k, arena);
                    float[] x = KernelTesting.randoms(r, m * k, 1), bias = KernelTesting.randoms(r, n, 1), y = new float[m * n];
                    PackedGemm.linear(x, m, k, PackedGemm.pack(w, tile), bias, y);
                    check(tile + " m=" + m + " n=" + n, x, m, k, w, bias, y);
                }
        }
    }

    @Test
    void dequantizingBlockByBlockGivesExactlyTheWholePanelsProducts() {
        SplittableRandom r = new SplittableRandom(29);
        try (Arena arena = Arena.ofShared()) {
            for (PackedGemm.Tile tile : PackedGemm.Tile.values())
                // k over one, two and more than two k blocks of either tile; n not a multiple of the panel width
                for (int k : new int[] {96, 2 * PackedGemm.KC_F32 - 32, 4 * PackedGemm.KC_F32 + 64, 2 * PackedGemm.KC_MAX + 32})
                    for (int[] mn : new int[][] {{9, 5}, {PackedGemm.MC_F32 + 7, PackedGemm.NC + 4 * PackedGemm.L + 3}}) {
                        int m = mn[0], n = mn[1];
                        Q8Matrix w = q8(r, n, k, arena);
                        float[] x = KernelTesting.randoms(r, m * k, 1), bias = KernelTesting.randoms(r, n, 1);
                        float[] whole = new float[m * n], strips = new float[m * n];
                        java.util.Arrays.fill(strips, Float.NaN);
                        PackedGemm.linear(x, m, k, PackedGemm.pack(w, tile), bias, whole);
                        KernelTesting.withThreads(2, () -> PackedGemm.linearQ8(x, m, k, w, bias, strips, tile));
                        assertArrayEquals(whole, strips, tile + " k=" + k + " m=" + m + " n=" + n);
                        check(tile + " strips k=" + k, x, m, k, w, bias, strips);
                    }
        }
    }

    @Test
    void sameInputLayersInOneJobMatchTheTwin() {
        SplittableRandom r = new SplittableRandom(31);
        try (Arena arena = Arena.ofShared()) {
            for (int m : new int[] {1, 3, 4, 8, 9})
                for (int threads : new int[] {1, 2}) {
                    Q8Matrix[] ws = {q8(r, 70, 64, arena), q8(r, 9, 64, arena)};
                    float[][] bs = {null, KernelTesting.randoms(r, 9, 1)};
                    float[] x = KernelTesting.randoms(r, m * 64, 1);
                    float[][] ys = {new float[m * 70], new float[m * 9]};
                    KernelTesting.withThreads(threads, () -> GemmQ8.linearSameInput(x, m, 64, ws, bs, ys));
                    for (int i = 0; i < 2; i++) {
                        check("same input m=" + m, x, m, 64, ws[i], bs[i], ys[i]);
                    }
                }
        }
    }

    @Test
    void widthsThatAreNoMultipleOf32AreRefused() {
        try (Arena arena = Arena.ofShared()) {
            Tensor t = KernelTesting.weight(new SplittableRandom(1), 4, 33, DType.F32, false, arena);
            var e = assertThrows(IllegalArgumentException.class, () -> Quantize.q8(t));
            assertTrue(e.getMessage().contains("multiple of 32"), e.getMessage());
            var e2 = assertThrows(IllegalArgumentException.class,
                    () -> new Q8Matrix("w", 2, 40, arena.allocate(80), arena.allocate(8)));
            assertTrue(e2.getMessage().contains("multiple of 32"), e2.getMessage());
            Q8Matrix w = q8(new SplittableRandom(2), 4, 64, arena);
            var e3 = assertThrows(IllegalArgumentException.class, () -> GemmQ8.linear(new float[32], 1, 32, w, null, new float[4]));
            assertTrue(e3.getMessage().contains("width 32"), e3.getMessage());
        }
    }

    @Test
    void quantizationFollowsItsDefinition() {
        // scale = max|w|/127 per block; |w - q·scale| ≤ scale/2; the largest |w| of a block maps to ±127
        SplittableRandom r = new SplittableRandom(5);
        for (DType dt : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            try (Arena arena = Arena.ofShared()) {
                Tensor t = KernelTesting.weight(r, 9, 96, dt, false, arena);
                Q8Matrix q = Quantize.q8(t);
                for (int row = 0; row < 9; row++)
                    for (int b = 0; b < 3; b++) {
                        double amax = 0;
                        int qmax = 0;
                        for (int e = b * 32; e < b * 32 + 32; e++) {
                            amax = Math.max(amax, Math.abs(t.getFloat(row * 96L + e)));
                            qmax = Math.max(qmax, Math.abs(q.quant(row, e)));
                        }
                        float s = q.scale(row, b);
                        assertEquals((float) (amax / 127), s, Math.ulp(s), dt + " scale");
                        assertEquals(127, qmax, dt + " largest quant");
                        for (int e = b * 32; e < b * 32 + 32; e++) {
                            double err = Math.abs(t.getFloat(row * 96L + e) - (double) q.quant(row, e) * s);
                            // w / scale is rounded to float before it is rounded to an integer: a tie may go either way
                            assertTrue(err <= s * 0.5 * (1 + 1e-5), dt + " error " + err + " > scale/2 = " + s / 2);
                        }
                    }
            }
        }
        assertEquals(3, Quantize.quant(2.5f));
        assertEquals(-3, Quantize.quant(-2.5f));
        assertEquals(127, Quantize.quant(127.4f));
        assertEquals(-127, Quantize.quant(-300f));
    }

    @Test
    void quantsAreWhatTheWeightsRoundTo() {
        byte[] q = new byte[32];
        float[] s = new float[1], w = new float[32];
        for (int e = 0; e < 32; e++) w[e] = e - 12.7f;
        Quantize.row(w, q, s);
        assertEquals(18.3f / 127, s[0], 1e-7); // max |w| = 31 - 12.7
        byte[] want = new byte[32];
        for (int e = 0; e < 32; e++) want[e] = (byte) Math.round(w[e] / s[0]); // no exact .5 here, so any rounding agrees
        assertArrayEquals(want, q);
    }

    @Test
    void quantsAreStoredInGroupsOf64WithTheLastHalfGroupInOrder() {
        // byte 4c + j of a group holds element 16j + c; a last half group (96 = 64 + 32) is stored as it is
        for (int k : new int[] {64, 96, 928}) {
            boolean[] seen = new boolean[k];
            for (int e = 0; e < k; e++) {
                int p = Q8Matrix.position(e, k);
                assertTrue(p >= 0 && p < k && !seen[p], "k=" + k + ": element " + e + " at " + p);
                seen[p] = true;
                int g = e / 64 * 64, i = e % 64;
                assertEquals(g + 64 <= k ? g + 4 * (i % 16) + i / 16 : e, p, "k=" + k + " e=" + e);
            }
        }
        assertEquals(4, Q8Matrix.position(1, 64));
        assertEquals(1, Q8Matrix.position(16, 64));
        assertEquals(63, Q8Matrix.position(63, 64));
        assertEquals(64 + 5, Q8Matrix.position(64 + 5, 96));
        // what Quantize writes is read back element by element through that order
        try (Arena arena = Arena.ofShared()) {
            Tensor t = KernelTesting.weight(new SplittableRandom(9), 3, 96, DType.F32, false, arena);
            Q8Matrix q = Quantize.q8(t);
            byte[] row = new byte[96];
            float[] scales = new float[3], w = new float[96];
            for (int r = 0; r < 3; r++) {
                for (int e = 0; e < 96; e++) w[e] = t.getFloat(r * 96L + e);
                Quantize.row(w, row, scales);
                for (int e = 0; e < 96; e++) {
                    assertEquals(row[e], q.quant(r, e));
                    assertEquals(row[e], q.quants().get(java.lang.foreign.ValueLayout.JAVA_BYTE, r * 96L + Q8Matrix.position(e, 96)));
                }
            }
            assertThrows(IndexOutOfBoundsException.class, () -> q.quant(0, 96));
            assertThrows(IndexOutOfBoundsException.class, () -> q.quant(3, 0));
        }
    }
}
