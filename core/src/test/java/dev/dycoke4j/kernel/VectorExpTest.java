package dev.dycoke4j.kernel;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** {@link VectorExp}: the vector form and its scalar twin give the same bits, within two ulps of the exact value. */
class VectorExpTest {

    static float[] inputs() {
        SplittableRandom r = new SplittableRandom(2);
        float[] x = new float[4096];
        float[] edges = {0f, -0f, 1f, -1f, -87.3f, -87.4f, -100f, -1e30f, 88f, 88.5f, 1e30f, 0.34657359f, -0.34657359f, 1e-8f, -1e-8f, Float.NEGATIVE_INFINITY};
        System.arraycopy(edges, 0, x, 0, edges.length);
        for (int i = edges.length; i < x.length; i++) x[i] = (float) (r.nextDouble() * 190 - 95);
        return x;
    }

    /**
     * Every lane equals the scalar twin, call after call: the loop runs long enough that the JIT compiles the vector
     * code under the default thresholds, so a result that changed once compiled would fail here.
     */
    @Test
    void vectorEqualsTheScalarTwinBitForBit() {
        float[] x = inputs(), got = new float[x.length];
        int L = VectorWidth.FLOAT.length();
        for (int round = 0; round < 40; round++)
            for (int i = 0; i + L <= x.length; i += L) {
                VectorExp.exp(FloatVector.fromArray(VectorWidth.FLOAT, x, i)).intoArray(got, i);
                for (int j = i; j < i + L; j++)
                    if (Float.floatToRawIntBits(got[j]) != Float.floatToRawIntBits(VectorExp.exp(x[j])))
                        fail("round " + round + ": exp(" + x[j] + ") = " + got[j] + " in a vector, " + VectorExp.exp(x[j]) + " scalar");
            }
    }

    /** Within two ulps of exp in double over [-87.3, 88]; 0 below, e^88 above. */
    @Test
    void withinTwoUlpsOfTheExactValue() {
        for (float x : inputs()) {
            float got = VectorExp.exp(x);
            double want = x < -87.3f ? 0 : Math.exp(Math.min(x, 88f));
            if (!(Math.abs(got - want) <= 2 * Math.ulp((float) want))) fail("exp(" + x + ") = " + got + ", want " + want);
        }
        assertEquals(1f, VectorExp.exp(0f));
        assertEquals(0f, VectorExp.exp(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(VectorExp.exp(Float.NaN)));
    }

    static double[] doubleInputs() {
        SplittableRandom r = new SplittableRandom(3);
        double[] x = new double[4096];
        double[] edges = {0, -0.0, 1, -1, -700, -701, -1e300, 700, 701, 1e300, 0.34657359027997264, -0.34657359027997264, 1e-17, -1e-17, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY};
        System.arraycopy(edges, 0, x, 0, edges.length);
        for (int i = edges.length; i < x.length; i++) x[i] = i % 2 == 0 ? r.nextDouble() * 1500 - 750 : r.nextDouble() * 40 - 20;
        return x;
    }

    /** The double form: every lane equals its scalar twin, call after call, at the width the kernels use. */
    @Test
    void doubleVectorEqualsTheScalarTwinBitForBit() {
        VectorSpecies<Double> d = DoubleVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(VectorWidth.bits()));
        double[] x = doubleInputs(), got = new double[x.length];
        for (int round = 0; round < 40; round++)
            for (int i = 0; i + d.length() <= x.length; i += d.length()) {
                VectorExp.exp(DoubleVector.fromArray(d, x, i)).intoArray(got, i);
                for (int j = i; j < i + d.length(); j++)
                    if (Double.doubleToRawLongBits(got[j]) != Double.doubleToRawLongBits(VectorExp.exp(x[j])))
                        fail("round " + round + ": exp(" + x[j] + ") = " + got[j] + " in a vector, " + VectorExp.exp(x[j]) + " scalar");
            }
    }

    /** The double form within two ulps of {@code Math.exp} over [-700, 700], clamped outside it. */
    @Test
    void doubleWithinTwoUlpsOfMathExp() {
        for (double x : doubleInputs()) {
            double got = VectorExp.exp(x), want = Math.exp(Math.max(-700, Math.min(700, x)));
            if (!(Math.abs(got - want) <= 2 * Math.ulp(want))) fail("exp(" + x + ") = " + got + ", want " + want);
        }
        assertEquals(1.0, VectorExp.exp(0.0));
        assertTrue(Double.isNaN(VectorExp.exp(Double.NaN)));
    }
}
