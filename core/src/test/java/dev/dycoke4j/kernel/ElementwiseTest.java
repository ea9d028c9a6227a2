package dev.dycoke4j.kernel;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Erf against known values, and norms, activations, RoPE and bilinear resize against their scalar twins. */
class ElementwiseTest {
    static void close(String what, float[] got, float[] want, double rel, double abs) {
        assertEquals(want.length, got.length, what + " length");
        for (int i = 0; i < got.length; i++)
            if (!(Math.abs(got[i] - want[i]) <= rel * Math.abs(want[i]) + abs)) fail(what + "[" + i + "] = " + got[i] + ", want " + want[i]);
    }

    static void rel(String what, double got, double want, double tol) {
        if (!(Math.abs(got - want) <= tol * Math.abs(want))) fail(what + " = " + got + ", want " + want);
    }

    @Test
    void erfMatchesKnownValues() {
        double[][] erf = {{0.5, 0.5204998778130465}, {1, 0.8427007929497149}, {2, 0.9953222650189527}, {-1, -0.8427007929497149},
                {0.1, 0.1124629160182849}};
        double[][] erfc = {{3, 2.209049699858544e-05}, {5, 1.5374597944280349e-12}, {-1, 1.8427007929497148}, {1, 0.15729920705028513}};
        for (double[] c : erf) {
            rel("Erf.erf(" + c[0] + ")", Erf.erf(c[0]), c[1], 1e-14);
            rel("ScalarKernels.erf(" + c[0] + ")", ScalarKernels.erf(c[0]), c[1], 1e-14);
        }
        for (double[] c : erfc) {
            rel("Erf.erfc(" + c[0] + ")", Erf.erfc(c[0]), c[1], 1e-14);
            rel("ScalarKernels.erfc(" + c[0] + ")", ScalarKernels.erfc(c[0]), c[1], 1e-14);
        }
        assertEquals(0.0, Erf.erf(0), 0.0);
        assertEquals(Double.NaN, Erf.erfc(Double.NaN));
    }

    @Test
    void erfAgreesWithTheIndependentTwinEverywhere() {
        for (double x = -6; x <= 6; x += 0.01) {
            rel("erfc(" + x + ")", Erf.erfc(x), ScalarKernels.erfc(x), 1e-13);
            if (Math.abs(x) > 1e-3) rel("erf(" + x + ")", Erf.erf(x), ScalarKernels.erf(x), 1e-13);
        }
    }

    @Test
    void geluBothFormsAgainstTheTwin() {
        SplittableRandom r = new SplittableRandom(2);
        float[] x = KernelTesting.randoms(r, 40_000, 8);
        x[0] = 0;
        x[1] = -10;
        x[2] = 10;
        float[] tanh = x.clone(), erf = x.clone(), wantTanh = new float[x.length], wantErf = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            wantTanh[i] = (float) ScalarKernels.geluTanh(x[i]);
            wantErf[i] = (float) ScalarKernels.geluErf(x[i]);
        }
        KernelTesting.withThreads(2, () -> {
            Activations.geluTanh(tanh, tanh.length);
            Activations.geluErf(erf, erf.length);
        });
        // both compute in double and round once: within one float ulp
        close("geluTanh", tanh, wantTanh, 1.2e-7, 1e-30);
        close("geluErf", erf, wantErf, 1.2e-7, 1e-30);
        assertEquals(0.8413447460685429, Activations.geluErf(1f), 1e-7); // Φ(1)
        assertEquals(-0.0, Activations.geluErf(-40f), 0.0);
    }

    /** The vector form over sub-ranges (vector body and scalar tail), large |x| and zeros included. */
    @Test
    void geluTanhRangeAgainstTheTwin() {
        SplittableRandom r = new SplittableRandom(4);
        float[] x = KernelTesting.randoms(r, 20_011, 8);
        float[] extremes = {0f, -0f, -10f, 10f, -30f, 30f, -1e4f, 1e4f, 1e-30f, -1e-30f, 3e38f, -3e38f};
        System.arraycopy(extremes, 0, x, 50, extremes.length);
        for (int[] range : new int[][] {{0, x.length}, {3, 3}, {5, 12}, {7, 20_000}}) {
            float[] got = x.clone(), want = x.clone();
            for (int i = range[0]; i < range[1]; i++) want[i] = (float) ScalarKernels.geluTanh(x[i]);
            Activations.geluTanhRange(got, range[0], range[1]);
            closeToGelu("geluTanhRange[" + range[0] + ", " + range[1] + ")", x, got, want);
        }
    }

    /**
     * Within one float ulp of the twin, give or take the twin's own error: for negative x its {@code 1 + tanh(u)}
     * cancels, to an absolute error of about {@code |x|·2^-53} (x / (1 + e^(-2u)) does not). Outside a range
     * {@code want} is x itself, so an element written there fails.
     */
    static void closeToGelu(String what, float[] x, float[] got, float[] want) {
        for (int i = 0; i < got.length; i++)
            if (!(Math.abs(got[i] - want[i]) <= 1.2e-7 * Math.abs(want[i]) + 4e-16 * Math.abs(x[i]) + 1e-30))
                fail(what + "[" + i + "] = " + got[i] + ", want " + want[i]);
    }

    @Test
    void siluMulAgainstTheTwin() {
        SplittableRandom r = new SplittableRandom(3);
        float[] g = KernelTesting.randoms(r, 33_333, 10), u = KernelTesting.randoms(r, 33_333, 3);
        float[] extremes = {-1000f, -100f, -88.8f, -87f, -20f, -0f, 0f, 1e-30f, 20f, 88.8f, 100f, 3e38f};
        System.arraycopy(extremes, 0, g, 100, extremes.length); // exp(-g) overflowing or underflowing float
        float[] got = g.clone(), want = g.clone();
        KernelTesting.withThreads(2, () -> Activations.siluMul(got, u, got.length));
        ScalarKernels.siluMul(want, u, want.length);
        close("siluMul", got, want, 4e-7, 1e-30);
    }

    @Test
    void normsAgainstTheTwin() {
        SplittableRandom r = new SplittableRandom(4);
        for (int dim : new int[] {1, 7, 64, 896, 1152}) {
            for (int rows : new int[] {1, 3, 70}) {
                float[] x = KernelTesting.randoms(r, rows * dim, 3), w = KernelTesting.randoms(r, dim, 2), b = KernelTesting.randoms(r, dim, 1);
                for (int i = 0; i < x.length; i++) x[i] += 0.5f; // a mean away from zero
                float[] rms = new float[x.length], rmsWant = new float[x.length], ln = x.clone(), lnWant = new float[x.length];
                KernelTesting.withThreads(2, () -> {
                    Norms.rmsNorm(x, w, 1e-6f, rms, rows, dim);
                    Norms.layerNorm(ln, w, b, 1e-6f, ln, rows, dim); // in place
                });
                ScalarKernels.rmsNorm(x, w, 1e-6f, rmsWant, rows, dim);
                ScalarKernels.layerNorm(x, w, b, 1e-6f, lnWant, rows, dim);
                // relative to the row's scale: |w|·|x|/rms ≤ ~ 2·3/… so an absolute 1e-5 on values of order 1-10
                close("rmsNorm dim=" + dim, rms, rmsWant, 1e-6, 1e-5);
                close("layerNorm dim=" + dim, ln, lnWant, 1e-6, 1e-5);
            }
        }
    }

    @Test
    void ropeAgainstTheTwin() {
        SplittableRandom r = new SplittableRandom(5);
        for (int hd : new int[] {2, 8, 64, 72}) {
            Rope rope = new Rope(hd, 1_000_000.0);
            float[] cos = new float[hd / 2], sin = new float[hd / 2];
            for (int pos : new int[] {0, 1, 17, 1699, 32_000}) {
                int heads = 3, off = 4;
                float[] x = KernelTesting.randoms(r, off + heads * hd, 2), want = x.clone();
                rope.apply(x, off, heads, pos, cos, sin);
                ScalarKernels.rope(hd, 1_000_000.0, want, off, heads, pos);
                close("rope hd=" + hd + " pos=" + pos, x, want, 1e-6, 2e-6);
            }
        }
    }

    @Test
    void bilinearAgainstTheTwin() {
        SplittableRandom r = new SplittableRandom(6);
        int[][] cases = {{27, 27, 14, 14}, {7, 7, 4, 4}, {5, 3, 10, 7}, {1, 1, 2, 2}, {6, 6, 6, 6}, {27, 27, 13, 13}};
        for (int[] c : cases) {
            int maps = 2, ch = 5;
            float[] src = KernelTesting.randoms(r, maps * c[0] * c[1] * ch, 3);
            float[] got = Bilinear.resize(src, maps, c[0], c[1], ch, c[2], c[3]);
            float[] want = ScalarKernels.bilinear(src, maps, c[0], c[1], ch, c[2], c[3]);
            close("bilinear " + java.util.Arrays.toString(c), got, want, 1e-6, 3e-6);
        }
        // identity size copies exactly
        float[] src = KernelTesting.randoms(r, 4 * 4 * 3, 1);
        close("bilinear identity", Bilinear.resize(src, 1, 4, 4, 3, 4, 4), src, 0, 0);
    }
}
