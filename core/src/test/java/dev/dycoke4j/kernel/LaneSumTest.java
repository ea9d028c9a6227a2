package dev.dycoke4j.kernel;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** {@link LaneSum}: the vector tree and its scalar twin give the same bits, and the tree's order is the documented one. */
class LaneSumTest {
    @Test
    void vectorEqualsTheScalarTwinBitForBit() {
        int L = VectorWidth.FLOAT.length();
        SplittableRandom r = new SplittableRandom(5);
        float[] lanes = new float[L];
        for (int round = 0; round < 20_000; round++) { // long enough for the JIT to compile the vector form
            for (int i = 0; i < L; i++) lanes[i] = (float) ((r.nextDouble() * 2 - 1) * Math.pow(10, r.nextInt(-6, 7)));
            float got = LaneSum.sum(FloatVector.fromArray(VectorWidth.FLOAT, lanes, 0)), want = LaneSum.sum(lanes);
            if (Float.floatToRawIntBits(got) != Float.floatToRawIntBits(want))
                fail("round " + round + ": " + got + " in a vector, " + want + " scalar, lanes " + java.util.Arrays.toString(lanes));
        }
    }

    /** Lane i with lane i + L/2 first: with a large lane cancelled by its partner, the small lanes survive. */
    @Test
    void addsLaneIWithLaneIPlusHalfFirst() {
        int L = VectorWidth.FLOAT.length();
        float[] lanes = new float[L];
        lanes[0] = 1e20f;
        lanes[L / 2] = -1e20f;
        for (int i = 1; i < L / 2; i++) lanes[i] = 1f;
        assertEquals(L / 2 - 1, LaneSum.sum(FloatVector.fromArray(VectorWidth.FLOAT, lanes, 0)));
        assertEquals(L / 2 - 1, LaneSum.sum(lanes));
    }
}
