package dev.dycoke4j.bench;

import dev.dycoke4j.kernel.Attention;
import dev.dycoke4j.kernel.Gemm;
import dev.dycoke4j.kernel.VectorWidth;
import dev.dycoke4j.parallel.Parallel;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;

/**
 * The heap bytes the GEMM and the vision attention allocate per call, first cold and then once compiled, at the
 * shapes of a short {@code dycoke bench} run: SigLIP's fc1, fc2 and q/k/v/o over F frames of 729 patches, Qwen2-0.5B's
 * prefill projections over 431 tokens (2 frames' 392 visual tokens and the prompt), and SigLIP's batched attention
 * over F frames. The Vector API allocates an object for each vector a kernel makes wherever the kernel runs
 * uncompiled or C1-compiled (the interpreter and C1 call the API's Java fallbacks); only C2 keeps vectors in
 * registers. So the first calls show what the JIT's warm-up costs, and the steady state whether the C2-compiled
 * kernels box anything (bytes per GFLOP: the GEMM's own tile and row buffers are a few KB per call).
 *
 * <p>Bytes are every thread's, from {@code ThreadMXBean.getTotalThreadAllocatedBytes}. A case's first calls are cold
 * only in a fresh JVM: the Vector API's own methods warm up with the first case run, so run one case per JVM for the
 * cold figures (the filter), e.g.
 * {@code java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar
 * dev.dycoke4j.bench.KernelAllocation 2 5 2 'siglip_fc1 BF16'}; {@code -Ddycoke.vector.bits=256} forces the AVX2 tile.
 *
 * <p>Usage: {@code KernelAllocation [frames] [rounds] [threads] [filter]} (defaults 2, 5, 2, all); cold calls are the
 * first 3 of each case.
 */
public final class KernelAllocation {
    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final int COLD = 3;

    private KernelAllocation() {
    }

    public static void main(String[] args) {
        int frames = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        String filter = args.length > 3 ? args[3] : "";
        Parallel.setThreads(threads);
        int patches = 729 * frames, tokens = 431;
        String[] names = {"siglip_fc1", "siglip_fc2", "siglip_sq", "qwen_up", "qwen_down", "qwen_sq"};
        int[][] shapes = {{patches, 1152, 4304}, {patches, 4304, 1152}, {patches, 1152, 1152}, {tokens, 896, 4864}, {tokens, 4864, 896},
            {tokens, 896, 896}};
        System.out.println(VectorWidth.bits() + "-bit vectors, " + threads + " threads, " + frames + " frames (" + patches + " patches), "
                + tokens + " prefill tokens");
        System.out.println("| case | shape | cold calls: ms, MB | compiled GFLOP/s (median) | compiled MB/call | compiled MB/GFLOP |");
        System.out.println("|---|---|---|---|---|---|");
        for (int s = 0; s < names.length; s++)
            for (String dt : new String[] {"BF16", "F32"}) {
                String name = names[s] + " " + dt;
                if (!name.contains(filter)) continue;
                int m = shapes[s][0], k = shapes[s][1], n = shapes[s][2];
                float[] x = Shapes.randoms(m * k, 1, 1f), bias = Shapes.randoms(n, 2, 0.1f), y = new float[m * n];
                Tensor w = Shapes.weight(n, k, DType.valueOf(dt), 3);
                measure(name, "[" + m + ", " + k + "] x [" + k + ", " + n + "]", 2.0 * m * n * k / 1e9, rounds,
                        () -> Gemm.linear(x, m, k, w, bias, y));
            }
        if ("attention vision".contains(filter)) {
            Attention.Shape sh = AttentionBench.shape("vision");
            int stride = sh.T() * sh.qStride();
            float[] q = Shapes.randoms(frames * stride, 1, 1f), k = Shapes.randoms(frames * stride, 2, 1f);
            float[] v = Shapes.randoms(frames * stride, 3, 1f), out = new float[frames * stride];
            measure("attention vision", frames + " x 729 tokens, 16 heads of 72", frames * AttentionBench.flops(sh) / 1e9, rounds,
                    () -> Attention.attendBatched(sh, frames, stride, q, k, v, out));
        }
    }

    private static void measure(String name, String shape, double gflop, int rounds, Runnable call) {
        StringBuilder cold = new StringBuilder();
        for (int i = 0; i < COLD; i++) {
            long b0 = THREADS.getTotalThreadAllocatedBytes(), t0 = System.nanoTime();
            call.run();
            long ns = System.nanoTime() - t0, bytes = THREADS.getTotalThreadAllocatedBytes() - b0;
            cold.append(i == 0 ? "" : "; ").append(String.format(Locale.ROOT, "%.0f, %.1f", ns / 1e6, bytes / 1e6));
        }
        double[] rate = new double[rounds];
        long b0 = THREADS.getTotalThreadAllocatedBytes();
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            call.run();
            rate[r] = gflop / ((System.nanoTime() - t0) / 1e9);
        }
        double mb = (THREADS.getTotalThreadAllocatedBytes() - b0) / 1e6 / rounds;
        Arrays.sort(rate);
        System.out.println(String.format(Locale.ROOT, "| %s | %s | %s | %.1f | %.3f | %.4f |", name, shape, cold, rate[rounds / 2], mb, mb / gflop));
    }
}
