package dev.dycoke4j.bench;

import dev.dycoke4j.kernel.GemmQ8;
import dev.dycoke4j.kernel.VectorWidth;
import dev.dycoke4j.parallel.Parallel;
import dev.dycoke4j.tensor.Q8Matrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The linear layers of a batched q8 decode step at Qwen2-0.5B's shapes (LLaVA-OneVision-0.5B: hidden 896, 24 layers,
 * q/k/v of 896/128/128 rows in one job, o, gate and up in one job, down from 4864, the tied 151936-row LM head), with
 * its own random weights per layer as in the model, so that they stream from memory as decode reads them. For each
 * number of rows m of x, each layer kind is timed over its 24 layers, the new code and the old alternated layer by
 * layer so that both see the same load:
 * <ul>
 * <li>m ≤ 24 ({@code GemmQ8.MATVEC_MAX_ROWS}): the int8 matvec ({@code GemmQ8.linearMatvec}: its tiles, in passes of up
 * to 8 rows) against {@link BaselineGemmQ8} (the tiles they replaced);
 * <li>m > 24: the int8 matvec in passes of its tile ({@code GemmQ8.linearMatvec}) against the block-dequantizing F32
 * GEMM ({@code GemmQ8.linearDequantized}): where the first stops paying is {@code GemmQ8.MATVEC_MAX_ROWS}.
 * </ul>
 * Prints, per m and layer, the median milliseconds and GFLOP/s of each and the median of the per-pair speed-ups;
 * then the whole step's linear layers (the sum of the medians) and what m rows give over one in tokens per second,
 * the serving target's measure (m · t(1) / t(m)).
 *
 * <p>Usage: {@code Q8Batch [rounds] [threads] [rows]} (defaults 5, 2, {@code 1,2,4,8,16,32}). About 0.6 GB of weights.
 */
public final class Q8Batch {
    static final int HIDDEN = 896, KV = 128, MLP = 4864, VOCAB = 151936, LAYERS = 24;

    private Q8Batch() {
    }

    /** One kind of layer call: its weights per layer (all over the same x in one job) and its input width. */
    record Kind(String name, int k, Q8Matrix[][] layers) {
        long flopsPerRow() {
            long f = 0;
            for (Q8Matrix[] ws : layers) for (Q8Matrix w : ws) f += 2L * w.rows() * w.cols();
            return f;
        }
    }

    interface Call {
        void run(float[] x, int m, int k, Q8Matrix[] ws, float[][] ys);
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int[] ms = Arrays.stream((args.length > 2 ? args[2] : "1,2,4,8,16,32").split(",")).mapToInt(Integer::parseInt).toArray();
        Parallel.setThreads(threads);
        SplittableRandom r = new SplittableRandom(7);
        List<Kind> kinds = List.of(
                new Kind("q,k,v", HIDDEN, layers(r, LAYERS, HIDDEN, HIDDEN, KV, KV)),
                new Kind("o", HIDDEN, layers(r, LAYERS, HIDDEN, HIDDEN)),
                new Kind("gate,up", HIDDEN, layers(r, LAYERS, HIDDEN, MLP, MLP)),
                new Kind("down", MLP, layers(r, LAYERS, MLP, HIDDEN)),
                new Kind("LM head", HIDDEN, layers(r, 1, HIDDEN, VOCAB)));
        System.out.printf(Locale.ROOT, "q8 decode step's linear layers: %d threads, %d-bit vectors, medians of %d rounds%n", threads,
                VectorWidth.bits(), rounds);
        System.out.println("| m | layers | new | old | new GFLOP/s | old GFLOP/s | speed-up |");
        System.out.println("|---:|---|---:|---:|---:|---:|---:|");
        double[] stepNew = new double[ms.length], stepOld = new double[ms.length];
        for (int mi = 0; mi < ms.length; mi++) {
            int m = ms[mi];
            boolean decode = m <= BaselineGemmQ8.MAX_ROWS;
            Call fresh = decode ? Q8Batch::linear : Q8Batch::matvec;
            Call base = decode ? Q8Batch::baseline : Q8Batch::dequantized;
            for (Kind kind : kinds) {
                float[] x = Shapes.randoms(m * kind.k, 11, 1f);
                float[][][] ys = outputs(kind, m);
                double[] a = new double[rounds], b = new double[rounds], ratio = new double[rounds];
                for (int round = -2; round < rounds; round++) { // two rounds of warm-up
                    double[] t = pairedSeconds(kind, fresh, base, x, m, ys, (round & 1) == 0);
                    if (round < 0) continue;
                    a[round] = t[0];
                    b[round] = t[1];
                    ratio[round] = t[1] / t[0];
                }
                double gflop = (double) m * kind.flopsPerRow() / 1e9;
                stepNew[mi] += median(a);
                stepOld[mi] += median(b);
                System.out.printf(Locale.ROOT, "| %d | %s | %.2f ms | %.2f ms | %.1f | %.1f | %.2fx |%n", m, kind.name, 1e3 * median(a), 1e3 * median(b),
                        gflop / median(a), gflop / median(b), median(ratio));
            }
        }
        System.out.println();
        System.out.println("| m | step's linear layers, new | old | new over old | rows' tokens/s over 1 row, new | old |");
        System.out.println("|---:|---:|---:|---:|---:|---:|");
        int one = -1;
        for (int mi = 0; mi < ms.length; mi++) if (ms[mi] == 1) one = mi;
        for (int mi = 0; mi < ms.length; mi++) {
            String vsNew = one < 0 ? "-" : String.format(Locale.ROOT, "%.2fx", ms[mi] * stepNew[one] / stepNew[mi]);
            String vsOld = one < 0 ? "-" : String.format(Locale.ROOT, "%.2fx", ms[mi] * stepOld[one] / stepOld[mi]);
            System.out.printf(Locale.ROOT, "| %d | %.1f ms | %.1f ms | %.2fx | %s | %s |%n", ms[mi], 1e3 * stepNew[mi], 1e3 * stepOld[mi],
                    stepOld[mi] / stepNew[mi], vsNew, vsOld);
        }
    }

    // The calls compared: one job over all of a layer's weights where the code has one, as the decoder calls them.

    static void linear(float[] x, int m, int k, Q8Matrix[] ws, float[][] ys) {
        if (ws.length == 1) GemmQ8.linearMatvec(x, m, k, ws[0], null, ys[0]);
        else GemmQ8.linearSameInput(x, m, k, ws, new float[ws.length][], ys);
    }

    static void baseline(float[] x, int m, int k, Q8Matrix[] ws, float[][] ys) {
        if (ws.length == 1) BaselineGemmQ8.linear(x, m, k, ws[0], null, ys[0]);
        else BaselineGemmQ8.linearSameInput(x, m, k, ws, new float[ws.length][], ys);
    }

    static void matvec(float[] x, int m, int k, Q8Matrix[] ws, float[][] ys) {
        for (int i = 0; i < ws.length; i++) GemmQ8.linearMatvec(x, m, k, ws[i], null, ys[i]);
    }

    static void dequantized(float[] x, int m, int k, Q8Matrix[] ws, float[][] ys) {
        for (int i = 0; i < ws.length; i++) GemmQ8.linearDequantized(x, m, k, ws[i], null, ys[i]);
    }

    /**
     * The seconds of {@code fresh} and of {@code base} over all the layers of a kind, the two called layer by layer one
     * after the other ({@code freshFirst} or not), so that each pair of calls sees the same load of a shared machine;
     * the second of a pair on the layer half the model away, so that it does not find the first's weights in cache.
     */
    static double[] pairedSeconds(Kind kind, Call fresh, Call base, float[] x, int m, float[][][] ys, boolean freshFirst) {
        double[] t = new double[2];
        int count = kind.layers.length;
        for (int l = 0; l < count; l++)
            for (int c = 0; c < 2; c++) {
                boolean isFresh = (c == 0) == freshFirst;
                int layer = (l + c * count / 2) % count;
                long t0 = System.nanoTime();
                (isFresh ? fresh : base).run(x, m, kind.k, kind.layers[layer], ys[layer]);
                t[isFresh ? 0 : 1] += (System.nanoTime() - t0) / 1e9;
            }
        return t;
    }

    static float[][][] outputs(Kind kind, int m) {
        float[][][] ys = new float[kind.layers.length][][];
        for (int l = 0; l < ys.length; l++) {
            ys[l] = new float[kind.layers[l].length][];
            for (int i = 0; i < ys[l].length; i++) ys[l][i] = new float[m * kind.layers[l][i].rows()];
        }
        return ys;
    }

    /** {@code count} layers of weights {@code [n, k]} for each n: random odd quants in [-127, 127], scales about 1e-3. */
    static Q8Matrix[][] layers(SplittableRandom r, int count, int k, int... ns) {
        Q8Matrix[][] out = new Q8Matrix[count][ns.length];
        ValueLayout.OfFloat f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int l = 0; l < count; l++)
            for (int i = 0; i < ns.length; i++) {
                int n = ns[i];
                MemorySegment q = Arena.ofAuto().allocate((long) n * k, 64), s = Arena.ofAuto().allocate(4L * n * (k / 32), 64);
                for (long o = 0; o < q.byteSize(); o += 8) q.set(ValueLayout.JAVA_LONG_UNALIGNED, o, r.nextLong() | 0x0101010101010101L);
                for (long o = 0; o < s.byteSize(); o += 4) s.set(f32, o, (float) (1e-3 * (0.5 + r.nextDouble())));
                out[l][i] = new Q8Matrix("w", n, k, q, s);
            }
        return out;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
