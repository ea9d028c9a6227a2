package dev.dycoke4j.bench;

import dev.dycoke4j.kernel.Attention;
import dev.dycoke4j.parallel.Parallel;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

import java.nio.FloatBuffer;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemv;

/**
 * The OpenBLAS baselines (through {@code org.bytedeco:openblas}), with the operands off-heap so that no call copies
 * arrays: {@code sgemm} and {@code sgemv} for our {@code Gemm.linear}, and attention as OpenBLAS users write it, one
 * head at a time: {@code S = scale·Q·Kᵀ} (sgemm), a causal mask and a row softmax, {@code O = P·V} (sgemm). Which
 * kernels OpenBLAS picks depends on the CPU and on {@code OPENBLAS_CORETYPE}; {@code OPENBLAS_VERBOSE=2} prints it.
 */
final class OpenBlas {
    private OpenBlas() {
    }

    /** Loads the library and gives it {@code threads} threads, as many as our kernels get. */
    static void threads(int threads) {
        openblas_nolapack.blas_set_num_threads(threads);
    }

    static int threads() {
        return openblas_nolapack.blas_get_num_threads();
    }

    static FloatPointer copy(float[] a) {
        FloatPointer p = new FloatPointer(a.length);
        p.put(a);
        return p;
    }

    static float[] read(FloatPointer p, int n) {
        float[] a = new float[n];
        p.position(0).get(a);
        return a;
    }

    /** {@code y[m,n] = x[m,k] · W[n,k]ᵀ}: the PyTorch weight layout, W transposed in the call (m = 1 uses sgemv). */
    static void linear(FloatPointer x, int m, int k, FloatPointer w, int n, FloatPointer y) {
        if (m == 1) cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, 1f, w, k, x, 1, 0f, y, 1);
        else cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1f, x, k, w, k, 0f, y, n);
    }

    /** Scratch for {@link #attend}: one T x S score matrix, reused head after head. */
    static FloatPointer scores(Attention.Shape sh) {
        return new FloatPointer((long) sh.T() * sh.S());
    }

    /** Attention with the layouts of {@code Attention.attend} (offsets 0), through two sgemm calls per head. */
    static void attend(Attention.Shape sh, FloatPointer q, FloatPointer k, FloatPointer v, FloatPointer out, FloatPointer scores) {
        int T = sh.T(), S = sh.S(), D = sh.D(), group = sh.H() / sh.KVH();
        FloatBuffer sb = scores.position(0).limit((long) T * S).asBuffer();
        for (int h = 0; h < sh.H(); h++) {
            int g = h / group;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, S, D, sh.scale(), q.position((long) h * D), sh.qStride(),
                    k.position((long) g * D), sh.kvStride(), 0f, scores.position(0), S);
            Parallel.forRange(T, 16, (lo, hi) -> { // our pool: OpenBLAS's threads are idle between its calls
                for (int t = lo; t < hi; t++) softmaxRow(sb, t * S, sh.causal() ? Math.min(S, sh.pos0() + t + 1) : S, S);
            });
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, D, S, 1f, scores.position(0), S, v.position((long) g * D), sh.kvStride(),
                    0f, out.position((long) h * D), sh.qStride());
        }
        q.position(0);
        k.position(0);
        v.position(0);
        out.position(0);
    }

    /** Softmax of the first {@code n} of a row of {@code width} (through a heap copy); the masked rest becomes 0. */
    static void softmaxRow(FloatBuffer b, int off, int n, int width) {
        float[] row = new float[width];
        b.get(off, row, 0, n);
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, row[i]);
        float sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(row[i] - max);
            row[i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int i = 0; i < n; i++) row[i] *= inv;
        b.put(off, row, 0, width);
    }
}
