package dev.dycoke4j.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code e^x} in float from additions, multiplications and fused multiply-adds only (Cephes' {@code expf}: x = n·ln 2
 * + r with |r| ≤ ln 2 / 2, a degree-6 polynomial for e^r, then 2^n put in the exponent bits), as a vector function
 * and its scalar twin, which run the same operations in the same order and so give the same bits. The Vector API's
 * own {@code EXP} calls a native library when compiled and {@code Math.exp} when interpreted, which may differ in the
 * last bit: attention built on this one gives the same answer whichever way its code runs. Within two ulps of the
 * exact value over [-87.3, 88]; inputs below -87.3 give 0 (e^x is then below the smallest normal float: subnormal
 * weights would only slow the products that use them, on CPUs that handle subnormals in microcode, and are nothing
 * next to the 1 that a softmax's largest term contributes), inputs above 88 give e^88.
 */
public final class VectorExp {
    private static final float LOG2E = 1.44269504088896341f;
    /** 1.5·2^23: added to a float of magnitude below 2^22, it leaves the nearest integer in the low mantissa bits. */
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    /** ln 2 = C1 - C2, C1 with few mantissa bits so that n·C1 is exact. */
    private static final float C1 = 0.693359375f, C2 = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
            P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;
    private static final float LO = -87.3f, HI = 88f;

    private VectorExp() {
    }

    /** e^x per lane. */
    public static FloatVector exp(FloatVector x) {
        VectorSpecies<Float> f = x.species();
        VectorMask<Float> under = x.lt(LO);
        x = x.max(LO).min(HI);
        FloatVector t = x.fma(LOG2E, ROUND); // ROUND + round(x·log2 e)
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(f, -C1), x);
        r = n.fma(FloatVector.broadcast(f, -C2), r);
        FloatVector p = r.fma(P0, P1);
        p = p.fma(r, FloatVector.broadcast(f, P2));
        p = p.fma(r, FloatVector.broadcast(f, P3));
        p = p.fma(r, FloatVector.broadcast(f, P4));
        p = p.fma(r, FloatVector.broadcast(f, P5));
        FloatVector y = p.fma(r.mul(r), r).add(1f);
        FloatVector pow2 = t.reinterpretAsInts().add(127 - ROUND_BITS).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return y.mul(pow2).blend(0f, under);
    }

    /** The scalar twin of {@link #exp(FloatVector)}: the same operations, the same bits. */
    public static float exp(float x) {
        if (x < LO) return 0f;
        x = Math.min(Math.max(x, LO), HI);
        float t = Math.fma(x, LOG2E, ROUND);
        float n = t - ROUND;
        float r = Math.fma(n, -C1, x);
        r = Math.fma(n, -C2, r);
        float p = Math.fma(r, P0, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float y = Math.fma(p, r * r, r) + 1f;
        float pow2 = Float.intBitsToFloat((Float.floatToRawIntBits(t) + (127 - ROUND_BITS)) << 23);
        return y * pow2;
    }
}
