package dev.dycoke4j.bench;

import dev.dycoke4j.kernel.Attention;
import dev.dycoke4j.kernel.Gemm;
import dev.dycoke4j.parallel.Parallel;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;

import java.util.Arrays;
import java.util.Locale;

/**
 * An A/B of each kernel against its baseline with the two calls alternated, one after the other, in one JVM: on a
 * shared machine whose load drifts over minutes, this pairs every new-kernel timing with a baseline timing taken under
 * the same load, which separate JMH runs (one benchmark after the other) cannot. Prints a Markdown table of the median
 * and best rate of each and the median of the per-pair speed-ups.
 *
 * <p>Usage: {@code Interleaved [rounds] [threads] [filter]} (defaults 7, 2, all); the filter is a substring of the
 * case name, e.g. {@code siglip} or {@code BF16}.
 */
public final class Interleaved {
    private Interleaved() {
    }

    interface Call {
        void run();
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        String filter = args.length > 2 ? args[2] : "";
        Parallel.setThreads(threads);
        System.out.println("| case | new median | new best | baseline median | baseline best | median speed-up |");
        System.out.println("|---|---|---|---|---|---|");
        for (String shape : new String[] {"qwen_up", "qwen_down", "qwen_sq", "siglip_fc1", "siglip_fc2", "siglip_sq"})
            for (String dt : new String[] {"F32", "BF16"}) {
                String name = "GEMM " + shape + " " + dt;
                if (!name.contains(filter)) continue;
                int[] s = Shapes.linear(shape);
                int m = s[0], k = s[1], n = s[2];
                float[] x = Shapes.randoms(m * k, 1, 1f), bias = Shapes.randoms(n, 2, 0.1f), y = new float[m * n];
                Tensor w = Shapes.weight(n, k, DType.valueOf(dt), 3);
                compare(name, "GFLOP/s", 2.0 * m * n * k / 1e9, rounds, () -> Gemm.linear(x, m, k, w, bias, y),
                        () -> BaselinePackedGemm.linear(x, m, k, w, bias, y));
            }
        for (String shape : new String[] {"dec_up", "dec_head"}) {
            String name = "matvec " + shape + " BF16";
            if (!name.contains(filter)) continue;
            int[] s = Shapes.linear(shape);
            int k = s[1], n = s[2];
            float[] x = Shapes.randoms(k, 1, 1f), y = new float[n];
            Tensor w = Shapes.weight(n, k, DType.BF16, 3);
            compare(name, "GB/s", 2.0 * n * k / 1e9, rounds * 20, () -> Gemm.linear(x, 1, k, w, null, y),
                    () -> BaselineGemm.linear(x, 1, k, w, null, y));
        }
        for (String shape : new String[] {"vision", "prefill"}) {
            String name = "attention " + shape;
            if (!name.contains(filter)) continue;
            Attention.Shape sh = AttentionBench.shape(shape);
            float[] q = Shapes.randoms(sh.T() * sh.qStride(), 1, 1f), k = Shapes.randoms(sh.S() * sh.kvStride(), 2, 1f);
            float[] v = Shapes.randoms(sh.S() * sh.kvStride(), 3, 1f), out = new float[sh.T() * sh.qStride()];
            compare(name, "GFLOP/s", AttentionBench.flops(sh) / 1e9, rounds * 2, () -> Attention.attend(sh, q, 0, k, 0, v, 0, out, 0),
                    () -> BaselineAttention.attend(sh, q, 0, k, 0, v, 0, out, 0));
        }
    }

    static void compare(String name, String unit, double work, int rounds, Call fresh, Call base) {
        for (int i = 0; i < 3; i++) { // warm-up, and the one-time weight packing
            fresh.run();
            base.run();
        }
        double[] a = new double[rounds], b = new double[rounds], ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            a[r] = work / seconds(fresh);
            b[r] = work / seconds(base);
            ratio[r] = a[r] / b[r];
        }
        System.out.println(String.format(Locale.ROOT, "| %s | %.1f %s | %.1f | %.1f | %.1f | %.2fx |", name, median(a), unit, max(a),
                median(b), max(b), median(ratio)));
    }

    static double seconds(Call c) {
        long t0 = System.nanoTime();
        c.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static double max(double[] v) {
        return Arrays.stream(v).max().orElse(Double.NaN);
    }
}
