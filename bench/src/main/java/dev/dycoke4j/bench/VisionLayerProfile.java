package dev.dycoke4j.bench;

import dev.dycoke4j.kernel.Activations;
import dev.dycoke4j.kernel.Attention;
import dev.dycoke4j.kernel.Epilogue;
import dev.dycoke4j.kernel.Gemm;
import dev.dycoke4j.kernel.Norms;
import dev.dycoke4j.parallel.Parallel;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A per-op profile of one SigLIP-so400m encoder layer at its real shape (729 patches per frame, hidden 1152, MLP 4304,
 * 16 heads of 72; BF16 weights, random), over a batch of frames, next to the tiled GEMM alone at the layer's MLP shape
 * ({@code [729·F, 1152] x [1152, 4304]}, the reference rate). Two versions of the layer run, interleaved round by
 * round in one JVM so that both see the same load on a shared machine: {@code unfused}, the op sequence with a
 * separate pass per op (GELU and residual adds on their own, attention frame by frame through {@code Attention.attend},
 * whose online-softmax flash loops the LLM's prefill uses, and outputs allocated per call), and {@code fused}, the
 * sequence {@code SiglipLayer.forward} runs (GELU and residual adds as GEMM epilogues, attention over all frames in
 * one job through {@code Attention.attendBatched}'s tiled products, buffers reused). Prints, per version, each op's
 * median milliseconds, share of the layer and rate, then the layer's FLOP rate against the GEMM's and the fused
 * attention's speed-up over the flash loops, as medians of the per-round ratios.
 *
 * <p>Usage: {@code VisionLayerProfile [frames] [rounds] [threads]} (defaults 4, 5, 2); through
 * {@code scripts/bench-kernels --vision-profile 4 5 2}.
 */
public final class VisionLayerProfile {
    static final int P = 729, D = 1152, M = 4304, H = 16, HD = 72;

    /** Milliseconds per op name, in order, for one layer run. */
    static final class Clock {
        final Map<String, Double> ms = new LinkedHashMap<>();
        long t = System.nanoTime();

        void lap(String op) {
            long now = System.nanoTime();
            ms.merge(op, (now - t) / 1e6, Double::sum);
            t = now;
        }
    }

    final int frames, n;
    final float[] ln1w, ln1b, ln2w, ln2b, bq, bk, bv, bo, b1, b2;
    final Tensor wq, wk, wv, wo, w1, w2;
    final float[] x0;
    // the fused version's buffers, allocated once as the tower does per encode
    final float[] x, xb, qs, ks, vs, proj, h, ref;

    VisionLayerProfile(int frames) {
        this.frames = frames;
        this.n = frames * P;
        ln1w = Shapes.randoms(D, 11, 1f);
        ln1b = Shapes.randoms(D, 12, 0.1f);
        ln2w = Shapes.randoms(D, 13, 1f);
        ln2b = Shapes.randoms(D, 14, 0.1f);
        bq = Shapes.randoms(D, 15, 0.1f);
        bk = Shapes.randoms(D, 16, 0.1f);
        bv = Shapes.randoms(D, 17, 0.1f);
        bo = Shapes.randoms(D, 18, 0.1f);
        b1 = Shapes.randoms(M, 19, 0.1f);
        b2 = Shapes.randoms(D, 20, 0.1f);
        wq = Shapes.weight(D, D, DType.BF16, 21);
        wk = Shapes.weight(D, D, DType.BF16, 22);
        wv = Shapes.weight(D, D, DType.BF16, 23);
        wo = Shapes.weight(D, D, DType.BF16, 24);
        w1 = Shapes.weight(M, D, DType.BF16, 25);
        w2 = Shapes.weight(D, M, DType.BF16, 26);
        x0 = Shapes.randoms(n * D, 1, 1f);
        x = new float[n * D];
        xb = new float[n * D];
        qs = new float[n * D];
        ks = new float[n * D];
        vs = new float[n * D];
        proj = new float[n * D];
        h = new float[n * M];
        ref = new float[n * M];
    }

    static Attention.Shape shape() {
        return new Attention.Shape(P, P, H, H, HD, D, D, false, 0, (float) Math.pow(HD, -0.5));
    }

    /** The layer with a pass per op, allocating its outputs per call. */
    Clock unfused() {
        float[] x = x0.clone();
        Clock c = new Clock();
        float[] xb = new float[n * D];
        Norms.layerNorm(x, ln1w, ln1b, 1e-6f, xb, n, D);
        c.lap("layer norm 1");
        float[] qs = new float[n * D], ks = new float[n * D], vs = new float[n * D];
        Gemm.linear(xb, n, D, wq, bq, qs);
        Gemm.linear(xb, n, D, wk, bk, ks);
        Gemm.linear(xb, n, D, wv, bv, vs);
        c.lap("q, k, v GEMMs (+bias)");
        var sh = shape();
        for (int f = 0; f < frames; f++) {
            int off = f * P * D;
            Attention.attend(sh, qs, off, ks, off, vs, off, xb, off);
        }
        c.lap("attention");
        float[] proj = new float[n * D];
        Gemm.linear(xb, n, D, wo, bo, proj);
        c.lap("o GEMM (+bias)");
        for (int i = 0; i < n * D; i++) x[i] += proj[i];
        c.lap("residual add 1");
        Norms.layerNorm(x, ln2w, ln2b, 1e-6f, xb, n, D);
        c.lap("layer norm 2");
        float[] h = new float[n * M];
        Gemm.linear(xb, n, D, w1, b1, h);
        c.lap("fc1 GEMM (+bias)");
        Activations.geluTanh(h, h.length);
        c.lap("GELU");
        Gemm.linear(h, n, M, w2, b2, proj);
        c.lap("fc2 GEMM (+bias)");
        for (int i = 0; i < n * D; i++) x[i] += proj[i];
        c.lap("residual add 2");
        return c;
    }

    /** The layer as SiglipLayer.forward runs it. */
    Clock fused() {
        System.arraycopy(x0, 0, x, 0, x.length);
        Clock c = new Clock();
        Norms.layerNorm(x, ln1w, ln1b, 1e-6f, xb, n, D);
        c.lap("layer norm 1");
        Gemm.linear(xb, n, D, wq, bq, qs);
        Gemm.linear(xb, n, D, wk, bk, ks);
        Gemm.linear(xb, n, D, wv, bv, vs);
        c.lap("q, k, v GEMMs (+bias)");
        Attention.attendBatched(shape(), frames, P * D, qs, ks, vs, xb);
        c.lap("attention");
        Gemm.linear(xb, n, D, wo, bo, proj, Epilogue.addInto(x));
        c.lap("o GEMM (+bias, +residual)");
        Norms.layerNorm(x, ln2w, ln2b, 1e-6f, xb, n, D);
        c.lap("layer norm 2");
        Gemm.linear(xb, n, D, w1, b1, h, Epilogue.GELU_TANH);
        c.lap("fc1 GEMM (+bias, +GELU)");
        Gemm.linear(h, n, M, w2, b2, proj, Epilogue.addInto(x));
        c.lap("fc2 GEMM (+bias, +residual)");
        return c;
    }

    /** The reference: the tiled GEMM alone at the MLP shape. */
    double gemmMs() {
        long t0 = System.nanoTime();
        Gemm.linear(xb, n, D, w1, b1, ref);
        return (System.nanoTime() - t0) / 1e6;
    }

    double flops(String op) {
        double gemm = 2.0 * n * D;
        if (op.startsWith("q, k, v")) return 3 * gemm * D;
        if (op.startsWith("o GEMM")) return gemm * D;
        if (op.startsWith("fc")) return gemm * M;
        if (op.equals("attention")) return 4.0 * frames * P * P * D;
        return 0;
    }

    double layerFlops() {
        return 2.0 * n * D * (4.0 * D + 2.0 * M) + 4.0 * frames * P * P * D;
    }

    public static void main(String[] args) {
        int frames = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Parallel.setThreads(threads);
        var p = new VisionLayerProfile(frames);
        for (int i = 0; i < 2; i++) { // warm-up, and the one-time weight packing
            p.unfused();
            p.fused();
            p.gemmMs();
        }
        Map<String, double[]> un = new LinkedHashMap<>(), fu = new LinkedHashMap<>();
        double[] unTotal = new double[rounds], fuTotal = new double[rounds], gemm = new double[rounds];
        double[] unRatio = new double[rounds], fuRatio = new double[rounds], speedUp = new double[rounds], attention = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            Clock a = p.unfused(), b = p.fused();
            double g = p.gemmMs();
            gemm[r] = g;
            unTotal[r] = record(un, a, r, rounds);
            fuTotal[r] = record(fu, b, r, rounds);
            double gemmRate = p.flops("fc1") / g;
            unRatio[r] = p.layerFlops() / unTotal[r] / gemmRate;
            fuRatio[r] = p.layerFlops() / fuTotal[r] / gemmRate;
            speedUp[r] = unTotal[r] / fuTotal[r];
            attention[r] = a.ms.get("attention") / b.ms.get("attention");
        }
        System.out.printf(Locale.ROOT, "SigLIP layer, %d frames (T = %d), %d threads, %d rounds, %s; medians%n%n", frames, p.n, threads, rounds,
                "vector " + dev.dycoke4j.kernel.VectorWidth.bits() + " bits");
        table(p, "unfused", un, Interleaved.median(unTotal));
        table(p, "fused", fu, Interleaved.median(fuTotal));
        double g = Interleaved.median(gemm);
        System.out.printf(Locale.ROOT, "tiled GEMM at the MLP shape [%d, %d] x [%d, %d]: %.1f ms, %.1f GFLOP/s%n", p.n, D, D, M, g, p.flops("fc1") / g / 1e6);
        System.out.printf(Locale.ROOT, "layer rate / GEMM rate (median of per-round ratios): unfused %.2f, fused %.2f; fused speed-up %.2fx%n",
                Interleaved.median(unRatio), Interleaved.median(fuRatio), Interleaved.median(speedUp));
        System.out.printf(Locale.ROOT, "attention, tiled (fused) over flash loops (unfused), median of per-round ratios: %.2fx%n", Interleaved.median(attention));
    }

    private static double record(Map<String, double[]> into, Clock c, int r, int rounds) {
        double total = 0;
        for (var e : c.ms.entrySet()) {
            into.computeIfAbsent(e.getKey(), k -> new double[rounds])[r] = e.getValue();
            total += e.getValue();
        }
        return total;
    }

    private static void table(VisionLayerProfile p, String name, Map<String, double[]> ops, double total) {
        System.out.printf(Locale.ROOT, "| %s: op | ms | share | GFLOP/s |%n|---|---|---|---|%n", name);
        for (var e : ops.entrySet()) {
            double ms = Interleaved.median(e.getValue()), f = p.flops(e.getKey());
            System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f%% | %s |%n", e.getKey(), ms, 100 * ms / total, f == 0 ? "" : String.format(Locale.ROOT, "%.1f", f / ms / 1e6));
        }
        System.out.printf(Locale.ROOT, "| whole layer | %.1f | 100%% | %.1f |%n%n", total, p.layerFlops() / total / 1e6);
    }
}
