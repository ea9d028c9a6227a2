package dev.dycoke4j.bench;

import dev.dycoke4j.kernel.Attention;
import dev.dycoke4j.kernel.Gemm;
import dev.dycoke4j.parallel.Parallel;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenBLAS baselines compute what our kernels compute, on small shapes with the benchmarks' data layouts, so
 * that the JMH ratios compare like with like.
 */
@Timeout(60)
class OpenBlasBaselineTest {
    @BeforeAll
    static void threads() {
        OpenBlas.threads(2);
        Parallel.setThreads(2);
    }

    static void assertClose(float[] want, float[] got, double tol) {
        assertEquals(want.length, got.length);
        double scale = 0, err = 0;
        for (int i = 0; i < want.length; i++) {
            scale = Math.max(scale, Math.abs(want[i]));
            err = Math.max(err, Math.abs(want[i] - got[i]));
        }
        assertTrue(scale > 0, "all zero");
        assertTrue(err <= tol * scale, "max error " + err + " against max " + scale);
    }

    @Test
    void threadCountIsSet() {
        assertEquals(2, OpenBlas.threads());
    }

    @Test
    void sgemmMatchesOurGemm() {
        for (int m : new int[] {1, 3, 37}) { // sgemv, our small-m path, our tiled GEMM
            int k = 96, n = 80;
            float[] x = Shapes.randoms(m * k, 1, 1f), ours = new float[m * n];
            Tensor w = Shapes.weight(n, k, DType.F32, 3);
            Gemm.linear(x, m, k, w, null, ours);
            FloatPointer y = new FloatPointer((long) m * n);
            OpenBlas.linear(OpenBlas.copy(x), m, k, OpenBlas.copy(w.toFloatArray()), n, y);
            assertClose(ours, OpenBlas.read(y, m * n), 1e-5);
        }
    }

    @Test
    void gemmAttentionMatchesOurs() {
        // grouped-query heads, causal with an offset, and non-causal
        for (Attention.Shape sh : new Attention.Shape[] {new Attention.Shape(21, 21, 4, 2, 16, 64, 32, true, 0, 0.25f),
                new Attention.Shape(13, 13, 3, 3, 8, 24, 24, false, 0, 0.35f)}) {
            float[] q = Shapes.randoms(sh.T() * sh.qStride(), 1, 1f), k = Shapes.randoms(sh.S() * sh.kvStride(), 2, 1f);
            float[] v = Shapes.randoms(sh.S() * sh.kvStride(), 3, 1f), ours = new float[sh.T() * sh.qStride()];
            Attention.attend(sh, q, 0, k, 0, v, 0, ours, 0);
            FloatPointer out = new FloatPointer((long) ours.length);
            OpenBlas.attend(sh, OpenBlas.copy(q), OpenBlas.copy(k), OpenBlas.copy(v), out, OpenBlas.scores(sh));
            assertClose(ours, OpenBlas.read(out, ours.length), 1e-5);
        }
    }
}
