package dev.dycoke4j.bench;

import dev.dycoke4j.tensor.DType;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Runs the kernel benchmarks with JMH's usual command line, then prints one Markdown row per benchmark with the
 * median over all measured iterations of its time and of its rate: GFLOP/s for GEMM and attention, GB/s of weight
 * streamed for the decode matvec. Then, for every shape that has an OpenBLAS result in the same run, the ratio
 * ours/OpenBLAS of speeds (OpenBLAS's median time over ours: above 1 means ours is faster).
 */
public final class Report {
    private Report() {
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        Collection<RunResult> results = new Runner(new CommandLineOptions(args)).run();
        System.out.println();
        System.out.println("| benchmark | shape | dtype | threads | median time | median rate | min..max rate | iterations |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        List<Row> rows = new ArrayList<>();
        for (RunResult rr : results) {
            BenchmarkParams p = rr.getParams();
            String bench = p.getBenchmark().substring(p.getBenchmark().lastIndexOf('.', p.getBenchmark().lastIndexOf('.') - 1) + 1);
            String shape = p.getParam("shape"), dtype = p.getParam("dtype");
            double work;
            String unit;
            String family = bench.startsWith("OpenBlas") ? bench.substring("OpenBlas".length()) : bench;
            if (family.startsWith("AttentionBench")) {
                work = AttentionBench.flops(AttentionBench.shape(shape)) / 1e9;
                unit = "GFLOP/s";
            } else if (family.startsWith("MatvecBench")) {
                int[] s = Shapes.linear(shape);
                work = (double) s[1] * s[2] * (dtype == null ? DType.F32 : DType.valueOf(dtype)).bytes / 1e9; // OpenBLAS: F32
                unit = "GB/s";
            } else if (family.startsWith("GemmBench")) {
                int[] s = Shapes.linear(shape);
                work = 2.0 * s[0] * s[1] * s[2] / 1e9;
                unit = "GFLOP/s";
            } else {
                continue;
            }
            double toSeconds = 1.0 / p.getTimeUnit().convert(1, TimeUnit.SECONDS);
            List<Double> times = new ArrayList<>();
            for (BenchmarkResult br : rr.getBenchmarkResults())
                for (IterationResult ir : br.getIterationResults()) times.add(ir.getPrimaryResult().getScore() * toSeconds);
            double[] t = times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            if (t.length == 0) continue;
            double med = t.length % 2 == 1 ? t[t.length / 2] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2;
            System.out.println(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %.1f %s | %.1f..%.1f | %d |", bench, shape,
                    dtype == null ? "F32" : dtype, p.getParam("threads"), human(med), work / med, unit, work / t[t.length - 1],
                    work / t[0], t.length));
            rows.add(new Row(family.substring(0, family.indexOf('.')), bench.startsWith("OpenBlas"), bench.substring(bench.indexOf('.') + 1),
                    shape, dtype == null ? "F32" : dtype, med, work / med, unit));
        }
        ratios(rows);
        if (args.length > 0) System.out.println("\nJMH arguments: " + String.join(" ", Arrays.asList(args)));
    }

    /** One benchmark's median: which kernel family, whether it is the OpenBLAS baseline, and its time and rate. */
    record Row(String family, boolean openblas, String method, String shape, String dtype, double seconds, double rate, String unit) {
    }

    /** Ours (the {@code linear} and {@code attend} methods) against OpenBLAS at the same shape, when both ran. */
    static void ratios(List<Row> rows) {
        List<String> lines = new ArrayList<>();
        for (Row o : rows) {
            if (o.openblas() || !(o.method().equals("linear") || o.method().equals("attend"))) continue;
            for (Row b : rows)
                if (b.openblas() && b.family().equals(o.family()) && b.shape().equals(o.shape()))
                    lines.add(String.format(Locale.ROOT, "| %s | %s | %s | %.1f %s | %s | %.1f %s | %.2fx |", o.family(), o.shape(), o.dtype(),
                            o.rate(), o.unit(), human(b.seconds()), b.rate(), b.unit(), b.seconds() / o.seconds()));
        }
        if (lines.isEmpty()) return;
        String core = System.getenv("OPENBLAS_CORETYPE");
        System.out.println();
        System.out.println("Ours against OpenBLAS (F32; OPENBLAS_CORETYPE=" + (core == null ? "unset, its own CPU detection" : core)
                + "); ratio = OpenBLAS time / our time, above 1 is faster than OpenBLAS:");
        System.out.println();
        System.out.println("| kernel | shape | our dtype | our rate | OpenBLAS time | OpenBLAS rate | ours/OpenBLAS |");
        System.out.println("|---|---|---|---|---|---|---|");
        lines.forEach(System.out::println);
    }

    private static String human(double seconds) {
        if (seconds >= 1) return String.format(Locale.ROOT, "%.3f s", seconds);
        if (seconds >= 1e-3) return String.format(Locale.ROOT, "%.2f ms", seconds * 1e3);
        return String.format(Locale.ROOT, "%.1f µs", seconds * 1e6);
    }
}
