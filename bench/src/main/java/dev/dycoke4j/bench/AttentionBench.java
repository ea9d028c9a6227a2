package dev.dycoke4j.bench;

import dev.dycoke4j.kernel.Attention;
import dev.dycoke4j.kernel.KeyPanels;
import dev.dycoke4j.parallel.Parallel;
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
 * {@code Attention.attend} for one SigLIP frame ({@code vision}: T=S=729, 16 heads of 72, non-causal) and a long
 * Qwen2 prefill ({@code prefill}: T=S=1700 causal, 14 query heads over 2 KV heads of 64), and one decode step after
 * it ({@code decode}: T=1, S=1700). {@code attend} packs the keys into panels per call, {@code cached} reads them
 * packed, as from a KV cache. Work: 4·D flops per
 * (query, head, visible key), for QKᵀ and PV.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class AttentionBench {
    @Param({"vision", "prefill", "decode"})
    public String shape;
    @Param({"2"})
    public int threads;

    Attention.Shape sh;
    float[] q, k, v, out, kp;

    static Attention.Shape shape(String name) {
        return switch (name) {
            case "vision" -> new Attention.Shape(729, 729, 16, 16, 72, 16 * 72, 16 * 72, false, 0, (float) Math.pow(72, -0.5));
            case "prefill" -> new Attention.Shape(1700, 1700, 14, 2, 64, 14 * 64, 2 * 64, true, 0, 0.125f);
            case "decode" -> new Attention.Shape(1, 1700, 14, 2, 64, 14 * 64, 2 * 64, true, 1699, 0.125f);
            default -> throw new IllegalArgumentException("unknown shape " + name);
        };
    }

    /** Flops of one call: 4·D per visible (query, head, key) triple. */
    static double flops(Attention.Shape s) {
        double pairs = 0;
        for (int t = 0; t < s.T(); t++) pairs += s.causal() ? Math.min(s.S(), s.pos0() + t + 1) : s.S();
        return 4.0 * s.D() * s.H() * pairs;
    }

    @Setup(Level.Trial)
    public void setUp() {
        Parallel.setThreads(threads);
        sh = shape(shape);
        q = Shapes.randoms(sh.T() * sh.qStride(), 1, 1f);
        k = Shapes.randoms(sh.S() * sh.kvStride(), 2, 1f);
        v = Shapes.randoms(sh.S() * sh.kvStride(), 3, 1f);
        out = new float[sh.T() * sh.qStride()];
        kp = new float[KeyPanels.floats(sh.S(), sh.KVH(), sh.D())];
        KeyPanels.put(kp, sh.KVH(), sh.D(), 0, sh.S(), k, 0, sh.kvStride());
    }

    @Benchmark
    public float[] attend() {
        Attention.attend(sh, q, 0, k, 0, v, 0, out, 0);
        return out;
    }

    /** With the keys already in panels, as a KV cache holds them (what prefill and decode run). */
    @Benchmark
    public float[] cached() {
        Attention.attendPanels(sh, q, 0, kp, v, 0, out, 0);
        return out;
    }

    @Benchmark
    public float[] baseline() {
        BaselineAttention.attend(sh, q, 0, k, 0, v, 0, out, 0);
        return out;
    }
}
