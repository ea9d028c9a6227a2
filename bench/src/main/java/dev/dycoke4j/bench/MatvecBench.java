package dev.dycoke4j.bench;

import dev.dycoke4j.kernel.Gemm;
import dev.dycoke4j.parallel.Parallel;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decode: {@code Gemm.linear} with one input row, bound by the bytes of the weight it streams (n·k·2 for BF16).
 * The LM head (151936 x 896 BF16, 272 MB) is far bigger than the caches; the MLP up projection (8.7 MB) is not.
 * {@code stream} is the ceiling on this machine at this moment: the same bytes summed as ints, split over the same
 * threads, with nothing else done to them (the memory bandwidth left over by other processes varies a lot here).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class MatvecBench {
    @Param({"dec_up", "dec_head"})
    public String shape;
    @Param({"BF16"})
    public String dtype;
    @Param({"2"})
    public int threads;

    int m, k, n;
    float[] x, y;
    Tensor w;

    @Setup(Level.Trial)
    public void setUp() {
        Parallel.setThreads(threads);
        int[] s = Shapes.linear(shape);
        m = s[0];
        k = s[1];
        n = s[2];
        x = Shapes.randoms(m * k, 1, 1f);
        y = new float[m * n];
        w = Shapes.weight(n, k, DType.valueOf(dtype), 3);
    }

    @Benchmark
    public float[] linear() {
        Gemm.linear(x, m, k, w, null, y);
        return y;
    }

    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;

    @Benchmark
    public int stream() {
        MemorySegment seg = w.segment();
        long rowBytes = (long) k * DType.valueOf(dtype).bytes;
        AtomicInteger total = new AtomicInteger();
        Parallel.forRange(n, 64, (lo, hi) -> total.addAndGet(sum(seg, lo * rowBytes, hi * rowBytes)));
        return total.get();
    }

    static int sum(MemorySegment s, long from, long to) {
        IntVector a = IntVector.zero(I), b = a;
        long o = from, step = I.vectorByteSize();
        for (; o + 2 * step <= to; o += 2 * step) {
            a = a.add(IntVector.fromMemorySegment(I, s, o, ByteOrder.LITTLE_ENDIAN));
            b = b.add(IntVector.fromMemorySegment(I, s, o + step, ByteOrder.LITTLE_ENDIAN));
        }
        int r = a.add(b).reduceLanes(VectorOperators.ADD);
        for (; o < to; o++) r += s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, o);
        return r;
    }

    @Benchmark
    public float[] baseline() {
        BaselineGemm.linear(x, m, k, w, null, y);
        return y;
    }
}
