package dev.dycoke4j.bench;

import dev.dycoke4j.tensor.DType;
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
 * OpenBLAS {@code cblas_sgemv} at {@link MatvecBench}'s decode shapes and thread count, F32 (CBLAS has no BF16
 * GEMV), with the same random x and W values: it streams n·k·4 bytes of weight where our BF16 matvec streams n·k·2.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
public class OpenBlasMatvecBench {
    @Param({"dec_up", "dec_head"})
    public String shape;
    @Param({"2"})
    public int threads;

    int m, k, n;
    FloatPointer x, w, y;

    @Setup(Level.Trial)
    public void setUp() {
        OpenBlas.threads(threads);
        int[] s = Shapes.linear(shape);
        m = s[0];
        k = s[1];
        n = s[2];
        x = OpenBlas.copy(Shapes.randoms(m * k, 1, 1f));
        w = OpenBlas.copy(Shapes.weight(n, k, DType.F32, 3).toFloatArray());
        y = new FloatPointer((long) m * n);
    }

    @Benchmark
    public FloatPointer sgemv() {
        OpenBlas.linear(x, m, k, w, n, y);
        return y;
    }
}
