package dev.dycoke4j.kernel;

import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The decode matvec over packed panels ({@link PanelMatvec}), and that a packed mapped weight is resident once. */
class PanelMatvecTest {
    @Test
    void panelMatvecOfBothTilesAndDtypesMatchesTheTwin() {
        SplittableRandom r = new SplittableRandom(3);
        try (Arena arena = Arena.ofShared()) {
            for (PackedGemm.Tile tile : PackedGemm.Tile.values())
                for (DType dt : new DType[] {DType.F32, DType.BF16})
                    for (int k : new int[] {1, 2, 7, 64, 899})
                        for (int n : new int[] {1, 5, 4 * PackedGemm.L + 3})
                            for (int m = 1; m <= 3; m++) {
                                Tensor w = KernelTesting.weight(r, n, k, dt, false, arena);
                                float[] x = KernelTesting.randoms(r, m * k, 1), bias = m == 2 ? null : KernelTesting.randoms(r, n, 1), y = new float[m * n];
                                Arrays.fill(y, Float.NaN);
                                int mm = m;
                                PackedGemm.Packed p = PackedGemm.pack(w, tile);
                                KernelTesting.withThreads(1 + n % 2, () -> PanelMatvec.linear(x, mm, k, p, bias, y));
                                GemmTest.check(tile + " " + dt + " m=" + m + " k=" + k + " n=" + n, x, m, k, w, bias, y);
                            }
        }
    }

    @Test
    void onceAWeightIsPackedTheDecodeProductsReadThePanels() {
        SplittableRandom r = new SplittableRandom(4);
        try (Arena arena = Arena.ofShared()) {
            int k = 96;
            Tensor[] ws = {KernelTesting.weight(r, 70, k, DType.BF16, false, arena), KernelTesting.weight(r, 9, k, DType.BF16, false, arena)};
            float[] x4 = KernelTesting.randoms(r, 4 * k, 1);
            for (Tensor w : ws) Gemm.linear(x4, 4, k, w, null, new float[4 * w.dim(0)]); // packs
            // the originals are overwritten: a product that still read them would now be wrong
            for (Tensor w : ws) assertTrue(PackedGemm.packedIfBuilt(w) != null);
            Tensor[] before = {KernelTesting.weight(new SplittableRandom(9), 70, k, DType.BF16, false, arena), null};
            MemorySegment.copy(ws[0].segment(), 0, before[0].segment(), 0, ws[0].byteSize());
            ws[0].segment().fill((byte) 0x7f);
            ws[1].segment().fill((byte) 0x7f);
            for (int m = 1; m <= 3; m++) {
                float[] x = KernelTesting.randoms(r, m * k, 1), y = new float[m * 70];
                Gemm.linear(x, m, k, ws[0], null, y);
                GemmTest.check("packed matvec m=" + m, x, m, k, before[0], null, y);
                float[][] ys = {new float[m * 70], new float[m * 9]};
                Gemm.linearSameInput(x, m, k, ws, new float[2][], ys);
                GemmTest.check("packed same-input m=" + m, x, m, k, before[0], null, ys[0]);
            }
        }
    }

    @Test
    void packingAMappedWeightReleasesItsPagesAndDecodeDoesNotFaultThemBack(@TempDir Path dir) throws IOException {
        assumeTrue(Files.isReadable(Path.of("/proc/self/smaps")), "needs Linux's /proc/self/smaps");
        int n = 2048, k = 2048; // 8 MiB of BF16
        Path file = dir.resolve("w.bin");
        byte[] bytes = new byte[2 * n * k];
        SplittableRandom r = new SplittableRandom(6);
        for (int i = 0; i < bytes.length; i += 2) bytes[i + 1] = (byte) (0x3c + r.nextInt(3)); // BF16 around 0.01..0.05
        Files.write(file, bytes);
        try (Arena arena = Arena.ofShared(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, bytes.length, arena);
            Tensor w = new Tensor("mapped", DType.BF16, new long[] {n, k}, seg);
            float[] x1 = KernelTesting.randoms(r, k, 1), y1 = new float[n];
            Gemm.linear(x1, 1, k, w, null, y1); // the matvec over the original: all of it resident
            long mapped = bytes.length;
            assertTrue(rss(file) >= mapped / 2, "the original is read: " + rss(file));
            Gemm.linear(KernelTesting.randoms(r, 4 * k, 1), 4, k, w, null, new float[4 * n]);
            assertTrue(rss(file) < mapped / 8, "packing released the original's pages: " + rss(file) + " bytes resident");
            float[] y2 = new float[n];
            Gemm.linear(x1, 1, k, w, null, y2);
            assertTrue(rss(file) < mapped / 8, "decode reads the panels, not the original: " + rss(file) + " bytes resident");
            for (int j = 0; j < n; j++) assertTrue(Math.abs(y1[j] - y2[j]) <= 1e-4f * (1 + Math.abs(y1[j])), "row " + j);
        }
    }

    private static final java.util.regex.Pattern HEADER = java.util.regex.Pattern.compile("[0-9a-f]+-[0-9a-f]+ ");

    /** Resident bytes of this process's mappings of {@code file} ({@code Rss:} in /proc/self/smaps). */
    static long rss(Path file) throws IOException {
        long total = 0;
        boolean in = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (HEADER.matcher(line).lookingAt()) in = line.endsWith(file.toString());
            else if (in && line.startsWith("Rss:")) total += Long.parseLong(line.substring(4).trim().split("\\s+")[0]) * 1024;
        }
        return total;
    }
}
