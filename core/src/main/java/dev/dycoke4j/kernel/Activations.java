package dev.dycoke4j.kernel;

import dev.dycoke4j.parallel.Parallel;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** Element-wise activations, in place over the first {@code n} elements. */
public final class Activations {
    private static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    /** Doubles in a vector of the same width (half the lanes). */
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED.withShape(F.vectorShape());
    /** Floats of half the width, as many lanes as {@link #D}. */
    private static final VectorSpecies<Float> HALF = VectorSpecies.of(float.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    private Activations() {
    }

    /** GELU with the tanh approximation ({@code gelu_pytorch_tanh}), as SigLIP uses. */
    public static void geluTanh(float[] x, int n) {
        Parallel.forRange(n, 1 << 14, (lo, hi) -> {
            for (int i = lo; i < hi; i++) x[i] = geluTanh(x[i]);
        });
    }

    /**
     * {@link #geluTanh(float)} over {@code x[lo, hi)} in place, with vector arithmetic in double: since
     * {@code 0.5·(1 + tanh(u)) = 1 / (1 + e^(-2u))}, it is {@code x / (1 + exp(-2u))}, one vector exp per lanes' worth
     * instead of a scalar tanh per element (20-40x faster); both are double-precision, so the floats are equal or one
     * ulp apart. The exp is {@link VectorExp}'s, whose bits do not depend on whether this code runs compiled. The GEMM's fused epilogue ({@link Epilogue}) runs it on each finished block.
     */
    public static void geluTanhRange(float[] x, int lo, int hi) {
        int n = D.length(), i = lo;
        for (; i + n <= hi; i += n) {
            DoubleVector v = (DoubleVector) FloatVector.fromArray(HALF, x, i).convertShape(VectorOperators.F2D, D, 0);
            DoubleVector inner = v.mul(v).mul(v).mul(0.044715).add(v).mul(-2 * SQRT_2_OVER_PI);
            ((FloatVector) v.div(VectorExp.exp(inner).add(1.0)).convertShape(VectorOperators.D2F, HALF, 0)).intoArray(x, i);
        }
        for (; i < hi; i++) x[i] = geluTanh(x[i]);
    }

    public static float geluTanh(float v) {
        double x = v;
        return (float) (0.5 * x * (1.0 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))));
    }

    /** Exact GELU, {@code 0.5·x·(1 + erf(x/√2))}, as the projector's {@code gelu} is. */
    public static void geluErf(float[] x, int n) {
        Parallel.forRange(n, 1 << 14, (lo, hi) -> {
            for (int i = lo; i < hi; i++) x[i] = geluErf(x[i]);
        });
    }

    public static float geluErf(float v) {
        double x = v;
        return (float) (0.5 * x * Erf.erfc(-x / Math.sqrt(2.0)));
    }

    /**
     * Qwen2's MLP gate: {@code gate[i] = silu(gate[i]) · up[i]}, in float with {@link VectorExp}'s exp (a few ulps
     * from the double-precision twin; the same bits compiled or not); it runs once per layer per decode step, where a scalar exp per element cost 2% of a step.
     */
    public static void siluMul(float[] gate, float[] up, int n) {
        Parallel.forRange(n, 1 << 14, (lo, hi) -> siluMul(gate, up, lo, hi));
    }

    static void siluMul(float[] gate, float[] up, int lo, int hi) {
        int i = lo;
        for (; i + F.length() <= hi; i += F.length()) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            g.div(VectorExp.exp(g.neg()).add(1f)).mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        for (; i < hi; i++) {
            float g = gate[i];
            gate[i] = (float) (g / (1.0 + Math.exp(-g))) * up[i];
        }
    }
}
