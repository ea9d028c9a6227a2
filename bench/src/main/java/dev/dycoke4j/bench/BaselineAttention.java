package dev.dycoke4j.bench;

import dev.dycoke4j.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The attention kernel as it was before the flash-style rewrite, kept only for side-by-side JMH comparison.
 *
 * <p>Scaled dot-product attention with grouped-query heads, for T queries over S keys/values. It never builds a T x S
 * matrix: each (query, head) pair computes one row of scores in a per-thread scratch row, softmaxes it in float32,
 * and accumulates the weighted values.
 *
 * <p>Layouts (row-major, floats): {@code q[qOff + t*qStride + h*D]}, {@code k[kOff + s*kvStride + g*D]}, likewise v,
 * {@code out[oOff + t*qStride + h*D]}, with head h reading kv head {@code g = h / (H/KVH)}. With {@code causal}, query
 * t sits at position {@code pos0 + t} and sees keys {@code 0..pos0+t}; otherwise it sees all S.
 */
public final class BaselineAttention {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;


    private BaselineAttention() {
    }

    public static void attend(dev.dycoke4j.kernel.Attention.Shape sh, float[] q, int qOff, float[] k, int kOff, float[] v, int vOff, float[] out, int oOff) {
        int pairs = sh.T() * sh.H();
        Parallel.forRange(pairs, 8, (lo, hi) -> rows(sh, q, qOff, k, kOff, v, vOff, out, oOff, lo, hi));
    }

    static void rows(dev.dycoke4j.kernel.Attention.Shape sh, float[] q, int qOff, float[] k, int kOff, float[] v, int vOff, float[] out, int oOff, int lo, int hi) {
        float[] scores = new float[sh.S()];
        int group = sh.H() / sh.KVH();
        for (int p = lo; p < hi; p++) {
            int t = p / sh.H(), h = p % sh.H(), g = h / group;
            int n = sh.causal() ? Math.min(sh.S(), sh.pos0() + t + 1) : sh.S();
            int qo = qOff + t * sh.qStride() + h * sh.D();
            int ko = kOff + g * sh.D(), vo = vOff + g * sh.D();
            float max = Float.NEGATIVE_INFINITY;
            for (int s = 0; s < n; s++) {
                float sc = dot(q, qo, k, ko + s * sh.kvStride(), sh.D()) * sh.scale();
                scores[s] = sc;
                if (sc > max) max = sc;
            }
            float sum = 0;
            for (int s = 0; s < n; s++) {
                float e = (float) Math.exp(scores[s] - max);
                scores[s] = e;
                sum += e;
            }
            float inv = 1.0f / sum;
            int oo = oOff + t * sh.qStride() + h * sh.D();
            java.util.Arrays.fill(out, oo, oo + sh.D(), 0f);
            for (int s = 0; s < n; s++) axpy(scores[s] * inv, v, vo + s * sh.kvStride(), out, oo, sh.D());
        }
    }

    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0, ub = F.loopBound(n);
        float s = 0;
        if (ub > 0) {
            FloatVector acc = FloatVector.zero(F);
            for (; i < ub; i += F.length())
                acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
            s = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0, ub = F.loopBound(n);
        if (ub > 0) {
            FloatVector a = FloatVector.broadcast(F, alpha);
            for (; i < ub; i += F.length())
                FloatVector.fromArray(F, x, xo + i).fma(a, FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] += alpha * x[xo + i];
    }
}
