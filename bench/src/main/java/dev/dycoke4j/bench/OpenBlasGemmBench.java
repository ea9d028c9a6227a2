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
 * OpenBLAS {@code cblas_sgemm} at {@link GemmBench}'s shapes and thread count, F32 (OpenBLAS has no BF16 GEMM in
 * this build's CBLAS), with the same random x and W as GemmBench's F32 case; no bias (ours adds it in its epilogue).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
public class OpenBlasGemmBench {
    @Param({"qwen_up", "qwen_down", "qwen_sq", "siglip_fc1", "siglip_fc2", "siglip_sq"})
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
    public FloatPointer sgemm() {
        OpenBlas.linear(x, m, k, w, n, y);
        return y;
    }
}
