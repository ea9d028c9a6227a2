package dev.dycoke4j.kernel;

import dev.dycoke4j.tensor.Q8Matrix;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link PackedGemm#dequantize} (grouped vector loads through heap tiles) against its scalar twin below, bit for bit:
 * both tiles' panel widths, k ranges that start and end inside a group, widths with a last half group, and panels
 * that run past the last row (zeros). Run at 256 and 512 bits by the vector-widths profile.
 */
class Q8DequantizeTest {
    /** The definition: element by element, {@code quant · scale} at {@link Q8Matrix#position}. */
    static void dequantizeScalar(Q8Matrix w, int j0, int nr, int k0, int k1, MemorySegment dst, long off) {
        int n = w.rows(), k = w.cols(), blocks = w.blocks(), rows = Math.min(nr, n - j0);
        MemorySegment q = w.quants(), s = w.scales();
        long qBase = (long) j0 * k, sBase = (long) j0 * blocks;
        for (int e = k0; e < k1; e++) {
            long qo = qBase + Q8Matrix.position(e, k), so = sBase + e / Q8Matrix.BLOCK, d = off + 4L * (e - k0) * nr;
            int c = 0;
            for (; c < rows; c++, qo += k, so += blocks, d += 4)
                dst.set(Kernels.F32LE, d, q.get(ValueLayout.JAVA_BYTE, qo) * s.getAtIndex(Kernels.F32LE, so));
            for (; c < nr; c++, d += 4) dst.set(Kernels.F32LE, d, 0f);
        }
    }

    @Test
    void groupedDequantizationWritesExactlyTheScalarTwinsFloats() {
        SplittableRandom r = new SplittableRandom(31);
        try (Arena arena = Arena.ofShared()) {
            for (PackedGemm.Tile tile : PackedGemm.Tile.values()) {
                int nr = tile.nr;
                // k an even and an odd multiple of 32 (a last half group); n leaving the last panel partly empty
                for (int k : new int[] {64, 96, 544, 928}) {
                    int n = 2 * nr + 5;
                    Q8Matrix w = GemmQ8Test.q8(r, n, k, arena);
                    int[][] ranges = {{0, k}, {1, k - 1}, {17, 70}, {63, 65}, {k - 33, k}, {k - 5, k}, {5, 6},
                            {k / 2 - 7, k / 2 + 41}};
                    for (int[] range : ranges)
                        for (int j0 : new int[] {0, nr, 2 * nr}) {
                            int k0 = range[0], k1 = range[1];
                            if (k0 < 0 || k1 > k || k0 >= k1) continue;
                            long bytes = 4L * (k1 - k0) * nr, off = 12;
                            MemorySegment want = arena.allocate(bytes + off), got = arena.allocate(bytes + off);
                            got.fill((byte) 0x7f); // NaNs: every float must be written
                            dequantizeScalar(w, j0, nr, k0, k1, want, off);
                            PackedGemm.dequantize(w, j0, nr, k0, k1, got, off);
                            for (long i = 0; i < (k1 - k0) * (long) nr; i++) {
                                int a = Float.floatToRawIntBits(got.get(Kernels.F32LE, off + 4 * i));
                                int b = Float.floatToRawIntBits(want.get(Kernels.F32LE, off + 4 * i));
                                if (a != b)
                                    fail(tile + " k=" + k + " [" + k0 + ", " + k1 + ") j0=" + j0 + ": float " + i + " (e = " + (k0 + i / nr)
                                            + ", row " + (j0 + i % nr) + ") is " + Float.intBitsToFloat(a) + ", want " + Float.intBitsToFloat(b));
                            }
                        }
                }
            }
        }
    }
}
