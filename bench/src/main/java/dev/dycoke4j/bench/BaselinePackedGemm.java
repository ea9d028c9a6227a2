package dev.dycoke4j.bench;

import dev.dycoke4j.parallel.Parallel;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The packed-panel GEMM the engine used before its re-blocking (F32 panels for every weight, MC=96, NC=256, KC=256, y
 * read-modified-written per k block), kept verbatim only so that one run can compare it with {@code Gemm.linear}.
 * Not used by the engine.
 */
public final class BaselinePackedGemm {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final int MR = 6, NR = 2 * L;
    /** Rows of x, columns of W and elements of k per cache block (KC·NR·4 = 16 KB of weights in L1 with AVX2). */
    static final int MC = 96, NC = 256, KC = 256;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final java.lang.foreign.ValueLayout.OfFloat F32LE = java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    static final java.lang.foreign.ValueLayout.OfShort I16LE = java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);

    /** A weight in panel form: {@code panels} panels of {@code k·NR} floats. */
    record Packed(MemorySegment seg, int n, int k, int panels) {
    }

    private static final Map<Object, Packed> CACHE = new WeakHashMap<>();

    private BaselinePackedGemm() {
    }

    /** The packed form of {@code w}, built on first use. */
    static Packed packed(Tensor w) {
        synchronized (CACHE) {
            Packed p = CACHE.get(w);
            if (p == null) {
                p = pack(w);
                CACHE.put(w, p);
            }
            return p;
        }
    }

    static Packed pack(Tensor w) {
        int n = w.dim(0), k = w.dim(1);
        int panels = (n + NR - 1) / NR;
        MemorySegment seg = Arena.ofAuto().allocate((long) panels * k * NR * 4, 64);
        MemorySegment src = w.segment();
        boolean bf16 = w.dtype() == DType.BF16;
        Parallel.forRange(panels, 4, (lo, hi) -> packPanels(src, bf16, n, k, seg, lo, hi));
        return new Packed(seg, n, k, panels);
    }

    private static void packPanels(MemorySegment src, boolean bf16, int n, int k, MemorySegment dst, int lo, int hi) {
        for (int p = lo; p < hi; p++) {
            long base = (long) p * k * NR;
            for (int c = 0; c < NR; c++) {
                int row = p * NR + c;
                if (row >= n) break; // the allocation is zeroed: padding stays 0
                long ro = (long) row * k;
                for (int e = 0; e < k; e++) {
                    float v = bf16 ? Float.intBitsToFloat((src.getAtIndex(I16LE, ro + e) & 0xffff) << 16)
                            : src.getAtIndex(F32LE, ro + e);
                    dst.setAtIndex(F32LE, base + (long) e * NR + c, v);
                }
            }
        }
    }

    /** {@code y = x · Wᵀ + bias} for m ≥ 1 rows (the old kernel, packed on first use). */
    public static void linear(float[] x, int m, int k, Tensor w, float[] bias, float[] y) {
        linear(x, m, k, packed(w), bias, y);
    }

    /**
     * Each thread takes an equal run of whole panels (all m rows of them), so the split is even to one panel whatever
     * m is, and each thread streams only its share of W.
     */
    static void linear(float[] x, int m, int k, Packed w, float[] bias, float[] y) {
        Parallel.forRange(w.panels, 1, (lo, hi) -> {
            float[] tile = new float[MR * NR];
            int jEnd = Math.min(w.n, hi * NR);
            for (int j0 = lo * NR; j0 < jEnd; j0 += NC)
                for (int i0 = 0; i0 < m; i0 += MC) block(x, m, k, w, bias, y, i0, j0, Math.min(jEnd, j0 + NC), tile);
        });
    }

    /** The block of y at rows [i0, i0 + MC) and columns [j0, j1), over all of k in blocks of KC. */
    private static void block(float[] x, int m, int k, Packed w, float[] bias, float[] y, int i0, int j0, int j1, float[] tile) {
        int i1 = Math.min(m, i0 + MC);
        for (int k0 = 0; k0 < k; k0 += KC) {
            int k1 = Math.min(k, k0 + KC);
            boolean first = k0 == 0;
            for (int j = j0; j < j1; j += NR) {
                long bOff = ((long) (j / NR) * k + k0) * NR * 4;
                for (int i = i0; i < i1; i += MR) {
                    micro(x, m, k, i, w.seg, bOff, k0, k1, tile);
                    merge(tile, y, m, w.n, i, j, first, first ? bias : null);
                }
            }
        }
    }

    /**
     * tile[r·NR + c] = Σ_{e ∈ [k0,k1)} x[i+r, e] · W[j+c, e] for the 6 x NR block at rows i.. of x (rows past m
     * repeat row m-1; the merge drops them) and the panel at byte {@code bOff}.
     */
    static void micro(float[] x, int m, int k, int i, MemorySegment b, long bOff, int k0, int k1, float[] tile) {
        int last = m - 1;
        int x0 = i * k, x1 = Math.min(i + 1, last) * k, x2 = Math.min(i + 2, last) * k;
        int x3 = Math.min(i + 3, last) * k, x4 = Math.min(i + 4, last) * k, x5 = Math.min(i + 5, last) * k;
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        long bo = bOff;
        for (int e = k0; e < k1; e++, bo += NR * 4) {
            FloatVector b0 = FloatVector.fromMemorySegment(F, b, bo, LE);
            FloatVector b1 = FloatVector.fromMemorySegment(F, b, bo + L * 4, LE);
            FloatVector a = FloatVector.broadcast(F, x[x0 + e]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(F, x[x1 + e]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(F, x[x2 + e]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(F, x[x3 + e]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(F, x[x4 + e]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(F, x[x5 + e]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
    }

    /** Writes (first k block, plus bias) or adds (later k blocks) the valid part of a tile into y. */
    static void merge(float[] tile, float[] y, int m, int n, int i, int j, boolean first, float[] bias) {
        int rows = Math.min(MR, m - i), cols = Math.min(NR, n - j);
        if (cols == NR) {
            for (int r = 0; r < rows; r++) {
                int yo = (i + r) * n + j;
                for (int c = 0; c < NR; c += L) {
                    FloatVector t = FloatVector.fromArray(F, tile, r * NR + c);
                    if (bias != null) t = t.add(FloatVector.fromArray(F, bias, j + c));
                    if (!first) t = t.add(FloatVector.fromArray(F, y, yo + c));
                    t.intoArray(y, yo + c);
                }
            }
        } else {
            for (int r = 0; r < rows; r++) {
                int yo = (i + r) * n + j;
                for (int c = 0; c < cols; c++) {
                    float t = tile[r * NR + c];
                    if (bias != null) t += bias[j + c];
                    y[yo + c] = first ? t : y[yo + c] + t;
                }
            }
        }
    }
}
