package dev.dycoke4j.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The sum of a vector's lanes by a fixed tree: lane i with lane i + L/2, then i + L/4, ..., down to lane 0. Lane moves
 * and lanewise additions are exact IEEE operations, so the sum has the same bits whether the calling code runs
 * interpreted, in C1 or in C2; {@code reduceLanes(ADD)} does not promise an order, and its compiled and interpreted
 * forms add in different ones, so a result could change in its last bit with the moment the JIT compiled a kernel.
 */
public final class LaneSum {
    private static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    private static final int L = F.length();
    private static final VectorShuffle<Float> S1 = swap(L / 2), S2 = swap(L / 4), S3 = swap(L / 8), S4 = swap(L / 16);

    private LaneSum() {
    }

    /** The lanes of {@code v} (of {@link VectorWidth#FLOAT}) summed by the fixed tree. */
    public static float sum(FloatVector v) {
        v = v.add(v.rearrange(S1));
        v = v.add(v.rearrange(S2));
        if (L >= 8) v = v.add(v.rearrange(S3));
        if (L >= 16) v = v.add(v.rearrange(S4));
        return v.lane(0);
    }

    /** The scalar twin of {@link #sum}: the same additions in the same order. */
    public static float sum(float[] lanes) {
        float[] t = lanes.clone();
        for (int d = t.length / 2; d >= 1; d /= 2)
            for (int i = 0; i < d; i++) t[i] = t[i] + t[i + d];
        return t[0];
    }

    /** Lane i takes lane i ^ d (null where d is less than one lane: that step is skipped). */
    private static VectorShuffle<Float> swap(int d) {
        return d >= 1 ? VectorShuffle.fromOp(F, i -> i ^ d) : null;
    }
}
