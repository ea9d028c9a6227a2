package dev.dycoke4j.kernel;

import jdk.incubator.vector.FloatVector;
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
}
