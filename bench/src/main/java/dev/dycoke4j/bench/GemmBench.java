package dev.dycoke4j.bench;

import dev.dycoke4j.kernel.Gemm;
import dev.dycoke4j.parallel.Parallel;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;
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
 * {@code Gemm.linear} at the model's real prefill shapes ({@code linear}), against the packed-panel kernel it
 * replaced ({@code packedBaseline}, before the re-blocking) and the 4x4 kernel before that
 * ({@code baseline}). Work: 2·m·n·k flops.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class GemmBench {
    @Param({"qwen_up", "qwen_down", "qwen_sq", "siglip_fc1", "siglip_fc2", "siglip_sq"})
    public String shape;
    @Param({"F32", "BF16"})
    public String dtype;
    @Param({"2"})
    public int threads;

    int m, k, n;
    float[] x, y, bias;
    Tensor w;

    @Setup(Level.Trial)
    public void setUp() {
        Parallel.setThreads(threads);
        int[] s = Shapes.linear(shape);
        m = s[0];
        k = s[1];
        n = s[2];
        x = Shapes.randoms(m * k, 1, 1f);
        bias = Shapes.randoms(n, 2, 0.1f);
        y = new float[m * n];
        w = Shapes.weight(n, k, DType.valueOf(dtype), 3);
    }

    @Benchmark
    public float[] linear() {
        Gemm.linear(x, m, k, w, bias, y);
        return y;
    }

    @Benchmark
    public float[] packedBaseline() {
        BaselinePackedGemm.linear(x, m, k, w, bias, y);
        return y;
    }

    @Benchmark
    public float[] baseline() {
        BaselineGemm.linear(x, m, k, w, bias, y);
        return y;
    }
}
