package dev.dycoke4j.kernel;

import dev.dycoke4j.parallel.Parallel;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/** Random data and weights for the kernel tests, and a way to run a body at a given thread count. */
final class KernelTesting {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private KernelTesting() {
    }

    static float[] randoms(SplittableRandom r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        return a;
    }

    /**
     * A random {@code [n, k]} weight of the given dtype, in a fresh off-heap segment or (F32 only, when
     * {@code heap}) over a float array.
     */
    static Tensor weight(SplittableRandom r, int n, int k, DType dt, boolean heap, Arena arena) {
        long count = (long) n * k;
        if (heap && dt == DType.F32) return new Tensor("w", dt, new long[] {n, k}, MemorySegment.ofArray(randoms(r, (int) count, 0.5)));
        MemorySegment seg = arena.allocate(count * dt.bytes, 16);
        for (long i = 0; i < count; i++) {
            float v = (float) ((r.nextDouble() * 2 - 1) * 0.5);
            switch (dt) {
                case F32 -> seg.setAtIndex(F32, i, v);
                case BF16 -> seg.setAtIndex(I16, i, (short) (Float.floatToRawIntBits(v) >>> 16));
                case F16 -> seg.setAtIndex(I16, i, Float.floatToFloat16(v));
                default -> throw new IllegalArgumentException(dt.toString());
            }
        }
        return new Tensor("w", dt, new long[] {n, k}, seg);
    }

    /** Runs {@code body} with {@link Parallel} set to {@code threads}, restoring the previous count after. */
    static void withThreads(int threads, Runnable body) {
        int before = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            body.run();
        } finally {
            Parallel.setThreads(before);
        }
    }
}
