package dev.dycoke4j.kernel;

import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** {@link Gemm#linear} (matvec below 4 rows, packed panels from 4 on) against {@link ScalarKernels#linear}. */
class GemmTest {
    static final int[] MS = {1, 2, 3, 4, 5, 7, 64, 65, 130};
    static final int[] KS = {1, 3, 7, 8, 9, 15, 16, 17, 48, 64, 100, 896, 899};
    static final int[] NS = {1, 3, 4, 5, 17, 64, 65};

    /**
     * Checks y against the scalar twin, each output within 1e-5 of Σ|x·w| + |bias| (float32 in any summation order is
     * far inside that; a single dropped or doubled term of k ≤ 899 is far outside it).
     */
    static void check(String what, float[] x, int m, int k, Tensor w, float[] bias, float[] y) {
        int n = w.dim(0);
        float[] want = new float[m * n];
        ScalarKernels.linear(x, m, k, w, bias, want);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double tol = 1e-5 * ScalarKernels.linearMagnitude(x, k, w, bias, i, j) + 1e-30;
                double err = Math.abs(y[i * n + j] - want[i * n + j]);
                if (!(err <= tol)) fail(what + ": y[" + i + "," + j + "] = " + y[i * n + j] + ", want " + want[i * n + j] + " (tolerance " + tol + ")");
            }
        }
    }

    static void run(SplittableRandom r, Arena arena, int m, int k, int n, DType dt, boolean withBias, boolean heap, int threads) {
        Tensor w = KernelTesting.weight(r, n, k, dt, heap, arena);
        float[] x = KernelTesting.randoms(r, m * k, 1);
        float[] bias = withBias ? KernelTesting.randoms(r, n, 0.5) : null;
        float[] y = new float[m * n];
        java.util.Arrays.fill(y, Float.NaN); // every output must be written
        KernelTesting.withThreads(threads, () -> Gemm.linear(x, m, k, w, bias, y));
        check("m=" + m + " k=" + k + " n=" + n + " " + dt + (withBias ? " bias" : "") + (heap ? " heap" : "") + " threads=" + threads, x, m, k, w, bias, y);
    }

    @Test
    void everySizeAloneAgainstTheTwin() {
        SplittableRandom r = new SplittableRandom(42);
        try (Arena arena = Arena.ofShared()) {
            for (DType dt : new DType[] {DType.F32, DType.BF16}) {
                for (int m : MS) run(r, arena, m, 37, 19, dt, m % 2 == 0, false, 1 + m % 2);
                for (int k : KS) run(r, arena, 9, k, 21, dt, k % 2 == 1, false, 1 + k % 2);
                for (int n : NS) run(r, arena, 11, 29, n, dt, true, false, 1 + n % 2);
            }
        }
    }

    @Test
    void aDeterministicThirdOfAllCombinations() {
        SplittableRandom r = new SplittableRandom(7);
        int cases = 0;
        try (Arena arena = Arena.ofShared()) {
            for (int a = 0; a < MS.length; a++)
                for (int b = 0; b < KS.length; b++)
                    for (int c = 0; c < NS.length; c++) {
                        if ((a + 2 * b + c) % 3 != 0 || (long) MS[a] * KS[b] * NS[c] > 2_000_000) continue;
                        int v = a + b + c;
                        DType dt = v % 2 == 0 ? DType.F32 : DType.BF16;
                        run(r, arena, MS[a], KS[b], NS[c], dt, v % 3 != 0, dt == DType.F32 && v % 4 == 0, 1 + (v / 2) % 2);
                        cases++;
                    }
        }
        assertTrue(cases > 200, "ran " + cases + " cases");
    }

    @Test
    void realWidthsWithBlockEdges() {
        // k above one k-block, n across several column blocks and a partial panel, m across row blocks and a partial micro-tile
        SplittableRandom r = new SplittableRandom(3);
        try (Arena arena = Arena.ofShared()) {
            run(r, arena, 197, 1152, 300, DType.BF16, true, false, 2);
            run(r, arena, 100, 600, 531, DType.F32, false, false, 2);
            run(r, arena, 4, 4864, 40, DType.BF16, false, false, 1);
        }
    }

    @Test
    void longKIsSplitIntoEvenBlocksWithEveryEdge() {
        // k above KC_MAX (split into 2 or 3 blocks, not multiples of anything), m below MR, across MC and odd; n
        // below, across and off a multiple of NR; both panel dtypes, 1 and 2 threads
        SplittableRandom r = new SplittableRandom(13);
        int[] ks = {PackedGemm.KC_MAX + 1, 2 * PackedGemm.KC_MAX + 91};
        int[][] mn = {{4, 17}, {5, 33}, {PackedGemm.MC + 1, 16}, {2 * PackedGemm.MC + 7, 3}};
        try (Arena arena = Arena.ofShared()) {
            for (DType dt : new DType[] {DType.F32, DType.BF16})
                for (int k : ks)
                    for (int[] c : mn) run(r, arena, c[0], k, c[1], dt, c[0] % 2 == 1, false, 1 + c[1] % 2);
        }
    }

    @Test
    void f32WidePanelsInShortKBlocksAccumulateInPlaceOnEveryEdge() {
        // the wide tile's F32 path: k in one block, just over one and over several uneven blocks of KC_F32; m below
        // and off a multiple of MR, across MC_F32; n at, off and over a multiple of the tile (whole tiles in place,
        // edge tiles merged); with and without bias; y filled with NaN, so the first block must not read it
        SplittableRandom r = new SplittableRandom(29);
        int wide = PackedGemm.Tile.WIDE.nr;
        int[] ks = {37, PackedGemm.KC_F32 + 1, 3 * PackedGemm.KC_F32 + 91};
        int[] ms = {5, 6, PackedGemm.MC_F32 + 7, 2 * PackedGemm.MC_F32};
        int[] ns = {wide, wide + 1, 3 * wide - 5};
        int cases = 0;
        try (Arena arena = Arena.ofShared()) {
            for (int a = 0; a < ms.length; a++)
                for (int b = 0; b < ns.length; b++)
                    for (int c = 0; c < ks.length; c++) {
                        int m = ms[a], n = ns[b], k = ks[c];
                        Tensor w = KernelTesting.weight(r, n, k, DType.F32, false, arena);
                        float[] x = KernelTesting.randoms(r, m * k, 1), bias = (a + b + c) % 2 == 0 ? null : KernelTesting.randoms(r, n, 0.5);
                        float[] y = new float[m * n];
                        java.util.Arrays.fill(y, Float.NaN);
                        PackedGemm.Packed p = PackedGemm.pack(w, PackedGemm.Tile.WIDE);
                        assertTrue(PackedGemm.inPlace(p));
                        KernelTesting.withThreads(1 + (a + c) % 2, () -> PackedGemm.linear(x, m, k, p, bias, y));
                        check("WIDE F32 m=" + m + " k=" + k + " n=" + n, x, m, k, w, bias, y);
                        cases++;
                    }
        }
        assertEquals(36, cases);
    }

    @Test
    void f32WidePanelsGoKBlockByKBlockAcrossColumnBlocks() {
        // the wide tile's F32 path over more than two k blocks loops them outside the row blocks: one thread over
        // several column blocks of NC (the last one partial, ending in an edge panel), each over 3 uneven k blocks
        // and row blocks with a partial micro-tile; then two threads, each with its own run of column blocks
        SplittableRandom r = new SplittableRandom(31);
        int wide = PackedGemm.Tile.WIDE.nr;
        int m = 2 * PackedGemm.MC_F32 + 5, k = 2 * PackedGemm.KC_F32 + 3, n = 2 * PackedGemm.NC + wide + 7;
        try (Arena arena = Arena.ofShared()) {
            Tensor w = KernelTesting.weight(r, n, k, DType.F32, false, arena);
            float[] x = KernelTesting.randoms(r, m * k, 1), bias = KernelTesting.randoms(r, n, 0.5);
            PackedGemm.Packed p = PackedGemm.pack(w, PackedGemm.Tile.WIDE);
            for (int threads = 1; threads <= 2; threads++) {
                float[] y = new float[m * n];
                java.util.Arrays.fill(y, Float.NaN);
                KernelTesting.withThreads(threads, () -> PackedGemm.linear(x, m, k, p, bias, y));
                check("WIDE F32 across column blocks, threads=" + threads, x, m, k, w, bias, y);
            }
        }
    }

    @Test
    void bothTilesOnEveryEdge() {
        // each micro-tile, whichever this CPU picks: m below, at and across MR and MC; n below, across and off a
        // multiple of either tile's width; k in one block and split in two; both panel dtypes; 1 and 2 threads
        SplittableRandom r = new SplittableRandom(19);
        int[] ms = {4, 6, 7, 13, PackedGemm.MC + 5};
        int[] ns = {5, 2 * PackedGemm.L + 3, 4 * PackedGemm.L, 4 * PackedGemm.L + 1, 9 * PackedGemm.L - 2};
        int[] ks = {1, 37, PackedGemm.KC_MAX + 3};
        int cases = 0;
        try (Arena arena = Arena.ofShared()) {
            for (PackedGemm.Tile tile : PackedGemm.Tile.values())
                for (DType dt : new DType[] {DType.F32, DType.BF16})
                    for (int a = 0; a < ms.length; a++)
                        for (int b = 0; b < ns.length; b++)
                            for (int c = 0; c < ks.length; c++) {
                                if ((a + b + c) % 2 != 0) continue;
                                int m = ms[a], n = ns[b], k = ks[c];
                                Tensor w = KernelTesting.weight(r, n, k, dt, false, arena);
                                float[] x = KernelTesting.randoms(r, m * k, 1), bias = (a + b) % 3 == 0 ? null : KernelTesting.randoms(r, n, 0.5);
                                float[] y = new float[m * n];
                                java.util.Arrays.fill(y, Float.NaN);
                                PackedGemm.Packed p = PackedGemm.pack(w, tile);
                                assertEquals(tile.vectors * PackedGemm.L, p.nr());
                                KernelTesting.withThreads(1 + c % 2, () -> PackedGemm.linear(x, m, k, p, bias, y));
                                check(tile + " m=" + m + " k=" + k + " n=" + n + " " + dt, x, m, k, w, bias, y);
                                cases++;
                            }
        }
        assertTrue(cases >= 100, "ran " + cases + " cases");
    }

    @Test
    void sameInputLayersInOneJobMatchTheTwin() {
        // q, k, v-like widths (one below the 64-row grain), F32 and BF16 mixed, with and without bias, decode and
        // prefill row counts, k off a multiple of 2L
        SplittableRandom r = new SplittableRandom(29);
        try (Arena arena = Arena.ofShared()) {
            for (int k : new int[] {64, 99})
                for (int m : new int[] {1, 2, 3, 5})
                    for (int threads : new int[] {1, 2, 3}) {
                        Tensor[] ws = {KernelTesting.weight(r, 96, k, DType.BF16, false, arena), KernelTesting.weight(r, 17, k, DType.F32, false, arena),
                                KernelTesting.weight(r, 130, k, DType.BF16, false, arena)};
                        float[][] bs = {KernelTesting.randoms(r, 96, 1), null, KernelTesting.randoms(r, 130, 1)};
                        float[] x = KernelTesting.randoms(r, m * k, 1);
                        float[][] ys = {new float[m * 96], new float[m * 17], new float[m * 130]};
                        KernelTesting.withThreads(threads, () -> Gemm.linearSameInput(x, m, k, ws, bs, ys));
                        for (int i = 0; i < 3; i++) {
                            check("same input " + i + " m=" + m + " k=" + k + " threads=" + threads, x, m, k, ws[i], bs[i], ys[i]);
                        }
                    }
            Tensor w = KernelTesting.weight(r, 8, 16, DType.F32, false, arena);
            var e = assertThrows(IllegalArgumentException.class,
                    () -> Gemm.linearSameInput(new float[16], 1, 16, new Tensor[] {w, w}, new float[2][], new float[][] {new float[8], new float[7]}));
            assertTrue(e.getMessage().contains("buffers too small"), e.getMessage());
        }
    }

    @Test
    void bf16WeightsArePackedAsBf16F32AsF32() {
        SplittableRandom r = new SplittableRandom(17);
        try (Arena arena = Arena.ofShared()) {
            Tensor b = KernelTesting.weight(r, 40, 30, DType.BF16, false, arena), f = KernelTesting.weight(r, 40, 30, DType.F32, false, arena);
            PackedGemm.Packed pb = PackedGemm.packed(b), pf = PackedGemm.packed(f);
            assertTrue(pb.bf16() && !pf.bf16());
            int panels = (40 + pb.nr() - 1) / pb.nr();
            assertEquals(panels, pb.panels());
            assertEquals((long) panels * 30 * pb.nr() * 2, pb.seg().byteSize(), "BF16 panels: 2 bytes per weight");
            assertEquals((long) panels * 30 * pf.nr() * 4, pf.seg().byteSize(), "F32 panels: 4 bytes per weight");
        }
    }

    @Test
    void packedWeightsAreReusedAndGiveTheSameResultAgain() {
        SplittableRandom r = new SplittableRandom(5);
        try (Arena arena = Arena.ofShared()) {
            Tensor w = KernelTesting.weight(r, 70, 50, DType.BF16, false, arena);
            float[] x = KernelTesting.randoms(r, 13 * 50, 1);
            float[] y1 = new float[13 * 70], y2 = new float[13 * 70];
            Gemm.linear(x, 13, 50, w, null, y1);
            assertTrue(PackedGemm.packed(w) == PackedGemm.packed(w), "one packed copy per weight");
            Gemm.linear(x, 13, 50, w, null, y2);
            assertArrayEquals(y1, y2);
            check("repeat", x, 13, 50, w, null, y2);
        }
    }

    @Test
    void matvecAndGemmAgreeRowByRow() {
        // the decode path (one row, weights as stored) and the prefill path (packed) give each row within tolerance
        SplittableRandom r = new SplittableRandom(11);
        try (Arena arena = Arena.ofShared()) {
            Tensor w = KernelTesting.weight(r, 75, 896, DType.BF16, false, arena);
            float[] x = KernelTesting.randoms(r, 8 * 896, 1), bias = KernelTesting.randoms(r, 75, 1);
            float[] all = new float[8 * 75];
            Gemm.linear(x, 8, 896, w, bias, all);
            for (int i = 0; i < 8; i++) {
                float[] row = java.util.Arrays.copyOfRange(x, i * 896, (i + 1) * 896), one = new float[75];
                Gemm.linear(row, 1, 896, w, bias, one);
                for (int j = 0; j < 75; j++) assertEquals(all[i * 75 + j], one[j], 1e-5 * ScalarKernels.linearMagnitude(row, 896, w, bias, 0, j));
            }
        }
    }

    @Test
    void twinReadsF16AndGemmRejectsItWithAMessage() {
        SplittableRandom r = new SplittableRandom(9);
        try (Arena arena = Arena.ofShared()) {
            Tensor w = KernelTesting.weight(r, 3, 4, DType.F16, false, arena);
            float[] x = {1, 2, 3, 4}, y = new float[3];
            ScalarKernels.linear(x, 1, 4, w, new float[] {1, 0, 0}, y);
            double want = 1;
            for (int e = 0; e < 4; e++) want += x[e] * Float.float16ToFloat(w.segment().getAtIndex(KernelTesting.I16, e));
            assertEquals(want, y[0], 1e-6 * Math.abs(want));
            var ex = assertThrows(IllegalArgumentException.class, () -> Gemm.linear(x, 1, 4, w, null, y));
            assertTrue(ex.getMessage().contains("F32 or BF16"), ex.getMessage());
            var bad = assertThrows(IllegalArgumentException.class, () -> Gemm.linear(x, 1, 5, w, null, y));
            assertTrue(bad.getMessage().contains("width 5"), bad.getMessage());
        }
    }
}
