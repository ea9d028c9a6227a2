package dev.dycoke4j.kernel;

import jdk.incubator.vector.DoubleVector;
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
 *
 * <p>The double form, for GELU's double-precision epilogue, is built the same way (Cody and Waite's reduction, then
 * e^r by its Taylor series to r^13, whose remainder is below 2^-53 relative for |r| ≤ ln 2 / 2); it clamps its input
 * to [-700, 700], where e^x is still a normal double.
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

    private static final double LOG2E_D = 1.4426950408889634, ROUND_D = 6755399441055744.0; // 1.5·2^52
    private static final long ROUND_D_BITS = Double.doubleToRawLongBits(ROUND_D);
    /** ln 2 = LN2_HI + LN2_LO, LN2_HI with its low 32 bits clear so that n·LN2_HI is exact (fdlibm's split). */
    private static final double LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;
    private static final double LO_D = -700, HI_D = 700;
    /** 1/k! for k = 13 down to 2: Horner's coefficients of e^r = 1 + r + r^2/2! + ... + r^13/13!. */
    private static final double[] INV_FACT = inverseFactorials();

    /** e^x per lane, in double. */
    public static DoubleVector exp(DoubleVector x) {
        x = x.max(LO_D).min(HI_D);
        DoubleVector t = x.fma(LOG2E_D, ROUND_D); // ROUND_D + round(x·log2 e)
        DoubleVector n = t.sub(ROUND_D);
        VectorSpecies<Double> d = x.species();
        DoubleVector r = n.fma(DoubleVector.broadcast(d, -LN2_HI), x);
        r = n.fma(DoubleVector.broadcast(d, -LN2_LO), r);
        DoubleVector p = DoubleVector.broadcast(d, INV_FACT[0]), one = DoubleVector.broadcast(d, 1.0);
        for (int k = 1; k < INV_FACT.length; k++) p = p.fma(r, DoubleVector.broadcast(d, INV_FACT[k]));
        p = p.fma(r, one).fma(r, one);
        DoubleVector pow2 = t.reinterpretAsLongs().add(1023 - ROUND_D_BITS).lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
        return p.mul(pow2);
    }

    /** The scalar twin of {@link #exp(DoubleVector)}: the same operations, the same bits. */
    public static double exp(double x) {
        x = Math.min(Math.max(x, LO_D), HI_D);
        double t = Math.fma(x, LOG2E_D, ROUND_D);
        double n = t - ROUND_D;
        double r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        double p = INV_FACT[0];
        for (int k = 1; k < INV_FACT.length; k++) p = Math.fma(p, r, INV_FACT[k]);
        p = Math.fma(Math.fma(p, r, 1.0), r, 1.0);
        double pow2 = Double.longBitsToDouble((Double.doubleToRawLongBits(t) + (1023 - ROUND_D_BITS)) << 52);
        return p * pow2;
    }

    private static double[] inverseFactorials() {
        double[] c = new double[12];
        double f = 1;
        for (int k = 2; k <= 13; k++) {
            f *= k;
            c[13 - k] = 1 / f;
        }
        return c;
    }
}
