package dev.dycoke4j.kernel;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * M-RoPE in {@link Rope} against its scalar twin, which follows transformers' {@code apply_multimodal_rotary_pos_emb}
 * (whole-head angles per axis, chunks by the section repeated twice); and a triple with equal axes is bit for bit the
 * 1D rotation.
 */
class MropeTest {
    @Test
    void mropeAgainstTheTwin() {
        SplittableRandom r = new SplittableRandom(7);
        int[][] sections = {{2, 3, 3}, {16, 24, 24}, {0, 4, 4}, {8, 0, 0}, {1, 1, 2}};
        int[][] triples = {{0, 0, 0}, {34, 39, 41}, {60, 60, 60}, {1699, 3, 7}, {5, 32_000, 2}, {40, 34, 34}};
        for (int[] section : sections) {
            int hd = 2 * (section[0] + section[1] + section[2]);
            Rope rope = new Rope(hd, 1_000_000.0, section);
            float[] cos = new float[hd / 2], sin = new float[hd / 2];
            for (int[] p : triples) {
                int heads = 3, off = 5;
                float[] x = KernelTesting.randoms(r, off + heads * hd, 2), want = x.clone();
                rope.apply(x, off, heads, p[0], p[1], p[2], cos, sin);
                ScalarKernels.mrope(hd, 1_000_000.0, section, want, off, heads, p[0], p[1], p[2]);
                ElementwiseTest.close("mrope " + java.util.Arrays.toString(section) + " at " + java.util.Arrays.toString(p), x, want, 1e-6, 2e-6);
            }
        }
    }

    @Test
    void equalAxesAreThe1dRotationExactly() {
        SplittableRandom r = new SplittableRandom(8);
        Rope m = new Rope(16, 1e6, new int[] {2, 3, 3}), flat = new Rope(16, 1e6);
        float[] cos = new float[8], sin = new float[8];
        for (int pos : new int[] {0, 3, 60, 4095}) {
            float[] a = KernelTesting.randoms(r, 4 * 16, 2), b = a.clone(), c = a.clone();
            m.apply(a, 0, 4, pos, pos, pos, cos, sin);
            flat.apply(b, 0, 4, pos, cos, sin);
            m.angles(pos, pos, pos, cos, sin); // the M-RoPE angles with equal axes, taken the long way
            float[] viaAxes = new float[16];
            System.arraycopy(cos, 0, viaAxes, 0, 8);
            System.arraycopy(sin, 0, viaAxes, 8, 8);
            flat.angles(pos, cos, sin);
            float[] via1d = new float[16];
            System.arraycopy(cos, 0, via1d, 0, 8);
            System.arraycopy(sin, 0, via1d, 8, 8);
            assertArrayEquals(b, a, "pos " + pos);
            assertArrayEquals(via1d, viaAxes, "angles at pos " + pos);
            flat.apply(c, 0, 4, pos, pos + 1, pos + 2, cos, sin); // no section: the 1D rotation by t
            assertArrayEquals(b, c, "a 1D rope takes t");
        }
    }

    @Test
    void badSectionsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Rope(16, 1e6, new int[] {2, 3, 2}));
        assertThrows(IllegalArgumentException.class, () -> new Rope(16, 1e6, new int[] {4, 4}));
        assertThrows(IllegalStateException.class, () -> new Rope(16, 1e6).angles(1, 2, 3, new float[8], new float[8]));
    }
}
