package dev.dycoke4j.bench;

import dev.dycoke4j.kernel.Attention;
import dev.dycoke4j.parallel.Parallel;
import org.bytedeco.javacpp.FloatPointer;
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

import java.util.concurrent.TimeUnit;

/**
 * Attention with OpenBLAS doing the products ({@link OpenBlas#attend}: per head, sgemm for Q·Kᵀ, softmax, sgemm for
 * P·V) at {@link AttentionBench}'s shapes and data. BLAS has no attention; this is how one is built on it. The causal
 * case computes the full T x S scores (half of them masked), as a GEMM must; rates use AttentionBench's flop count
 * of the visible part, so they compare times.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
public class OpenBlasAttentionBench {
    @Param({"vision", "prefill"})
    public String shape;
    @Param({"2"})
    public int threads;

    Attention.Shape sh;
    FloatPointer q, k, v, out, scores;

    @Setup(Level.Trial)
    public void setUp() {
        OpenBlas.threads(threads);
        Parallel.setThreads(threads);
        sh = AttentionBench.shape(shape);
        q = OpenBlas.copy(Shapes.randoms(sh.T() * sh.qStride(), 1, 1f));
        k = OpenBlas.copy(Shapes.randoms(sh.S() * sh.kvStride(), 2, 1f));
        v = OpenBlas.copy(Shapes.randoms(sh.S() * sh.kvStride(), 3, 1f));
        out = new FloatPointer((long) sh.T() * sh.qStride());
        scores = OpenBlas.scores(sh);
    }

    @Benchmark
    public FloatPointer attend() {
        OpenBlas.attend(sh, q, k, v, out, scores);
        return out;
    }
}
