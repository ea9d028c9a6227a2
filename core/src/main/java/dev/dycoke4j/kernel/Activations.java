package dev.dycoke4j.kernel;

import dev.dycoke4j.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Element-wise activations, in place over the first {@code n} elements. */
public final class Activations {
    private static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    private Activations() {
    }

    /** GELU with the tanh approximation ({@code gelu_pytorch_tanh}), as SigLIP uses. */
    public static void geluTanh(float[] x, int n) {
        Parallel.forRange(n, 1 << 14, (lo, hi) -> {
            for (int i = lo; i < hi; i++) x[i] = geluTanh(x[i]);
        });
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
     * Qwen2's MLP gate: {@code gate[i] = silu(gate[i]) · up[i]}, in float with a vector exp (a few ulps from the
     * double-precision twin); it runs once per layer per decode step, where a scalar exp per element cost 2% of a step.
     */
    public static void siluMul(float[] gate, float[] up, int n) {
        Parallel.forRange(n, 1 << 14, (lo, hi) -> siluMul(gate, up, lo, hi));
    }

    static void siluMul(float[] gate, float[] up, int lo, int hi) {
        int i = lo;
        for (; i + F.length() <= hi; i += F.length()) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            g.div(g.neg().lanewise(VectorOperators.EXP).add(1f)).mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        for (; i < hi; i++) {
            float g = gate[i];
            gate[i] = (float) (g / (1.0 + Math.exp(-g))) * up[i];
        }
    }
}
