package dev.dycoke4j.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code C (+)= A·B} for a few rows of C at a time, with {@link PackedGemm}'s register tile: 6 rows of C by 4 vectors
 * (32 vector registers: 24 accumulators, 4 vectors of B, 1 broadcast) or by 2 (16 registers), each element of A
 * broadcast and each row of B loaded as vectors, the accumulators held in registers over the whole reduction and no
 * horizontal sum. A is read at any two strides, so it can be a row-major matrix read as itself or as its transpose
 * without a copy (attention's keys and values in the model's own rows); B and C are row-major with the given row
 * strides.
 */
final class BroadcastTiles {
    static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    static final int L = F.length();
    /** Rows of C per tile. */
    static final int MR = 6;

    private BroadcastTiles() {
    }

    /**
     * {@code c[co + r·cs + j] (+)= Σ_{k<K} a[ao + r·ars + k·aks] · b[bo + k·bs + j]} for r < m and j < nv·L
     * ({@code nv} 4 or 2): rows in tiles of {@value #MR}, the rest one at a time. With {@code acc} false, c is
     * overwritten; with it true, added to, in the same order as one longer reduction would.
     */
    static void product(float[] a, int ao, int ars, int aks, int m, float[] b, int bo, int bs, int K, int nv, float[] c, int co, int cs, boolean acc) {
        product(a, ao, ars, aks, m, b, bo, bs, K, nv, c, co, cs, acc, null);
    }

    /**
     * As above, and with {@code max} not null, {@code max[j]} also becomes the largest of itself and every result
     * {@code c[co + r·cs + j]}, taken from the registers as each tile finishes (attention's row maxima, for free).
     */
    static void product(float[] a, int ao, int ars, int aks, int m, float[] b, int bo, int bs, int K, int nv, float[] c, int co, int cs, boolean acc, float[] max) {
        if (nv != 4 && nv != 2) throw new IllegalArgumentException("tiles are 4 or 2 vectors wide, not " + nv);
        int r = 0;
        for (; r + MR <= m; r += MR) {
            if (nv == 4) rows6x4(a, ao + r * ars, ars, aks, b, bo, bs, K, c, co + r * cs, cs, acc, max);
            else rows6x2(a, ao + r * ars, ars, aks, b, bo, bs, K, c, co + r * cs, cs, acc, max);
        }
        for (; r < m; r++) {
            if (nv == 4) rows1x4(a, ao + r * ars, aks, b, bo, bs, K, c, co + r * cs, acc, max);
            else rows1x2(a, ao + r * ars, aks, b, bo, bs, K, c, co + r * cs, acc, max);
        }
    }

    private static FloatVector start(float[] c, int o, boolean acc) {
        return acc ? FloatVector.fromArray(F, c, o) : FloatVector.zero(F);
    }

    /** 6 rows by 4 vectors of {@link #product}. */
    static void rows6x4(float[] a, int ao, int ars, int aks, float[] b, int bo, int bs, int K, float[] c, int co, int cs, boolean acc, float[] max) {
        FloatVector c00 = start(c, co, acc), c01 = start(c, co + L, acc), c02 = start(c, co + 2 * L, acc), c03 = start(c, co + 3 * L, acc);
        FloatVector c10 = start(c, co + cs, acc), c11 = start(c, co + cs + L, acc), c12 = start(c, co + cs + 2 * L, acc), c13 = start(c, co + cs + 3 * L, acc);
        FloatVector c20 = start(c, co + 2 * cs, acc), c21 = start(c, co + 2 * cs + L, acc), c22 = start(c, co + 2 * cs + 2 * L, acc), c23 = start(c, co + 2 * cs + 3 * L, acc);
        FloatVector c30 = start(c, co + 3 * cs, acc), c31 = start(c, co + 3 * cs + L, acc), c32 = start(c, co + 3 * cs + 2 * L, acc), c33 = start(c, co + 3 * cs + 3 * L, acc);
        FloatVector c40 = start(c, co + 4 * cs, acc), c41 = start(c, co + 4 * cs + L, acc), c42 = start(c, co + 4 * cs + 2 * L, acc), c43 = start(c, co + 4 * cs + 3 * L, acc);
        FloatVector c50 = start(c, co + 5 * cs, acc), c51 = start(c, co + 5 * cs + L, acc), c52 = start(c, co + 5 * cs + 2 * L, acc), c53 = start(c, co + 5 * cs + 3 * L, acc);
        for (int k = 0, ak = ao, bk = bo; k < K; k++, ak += aks, bk += bs) {
            FloatVector b0 = FloatVector.fromArray(F, b, bk), b1 = FloatVector.fromArray(F, b, bk + L), b2 = FloatVector.fromArray(F, b, bk + 2 * L), b3 = FloatVector.fromArray(F, b, bk + 3 * L);
            FloatVector x = FloatVector.broadcast(F, a[ak]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(F, a[ak + ars]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(F, a[ak + 2 * ars]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
            c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(F, a[ak + 3 * ars]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            c32 = x.fma(b2, c32);
            c33 = x.fma(b3, c33);
            x = FloatVector.broadcast(F, a[ak + 4 * ars]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            c42 = x.fma(b2, c42);
            c43 = x.fma(b3, c43);
            x = FloatVector.broadcast(F, a[ak + 5 * ars]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            c52 = x.fma(b2, c52);
            c53 = x.fma(b3, c53);
        }
        if (max != null) {
            FloatVector.fromArray(F, max, 0).max(c00).max(c10).max(c20).max(c30).max(c40).max(c50).intoArray(max, 0);
            FloatVector.fromArray(F, max, L).max(c01).max(c11).max(c21).max(c31).max(c41).max(c51).intoArray(max, L);
            FloatVector.fromArray(F, max, 2 * L).max(c02).max(c12).max(c22).max(c32).max(c42).max(c52).intoArray(max, 2 * L);
            FloatVector.fromArray(F, max, 3 * L).max(c03).max(c13).max(c23).max(c33).max(c43).max(c53).intoArray(max, 3 * L);
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + L);
        c02.intoArray(c, co + 2 * L);
        c03.intoArray(c, co + 3 * L);
        c10.intoArray(c, co + cs);
        c11.intoArray(c, co + cs + L);
        c12.intoArray(c, co + cs + 2 * L);
        c13.intoArray(c, co + cs + 3 * L);
        c20.intoArray(c, co + 2 * cs);
        c21.intoArray(c, co + 2 * cs + L);
        c22.intoArray(c, co + 2 * cs + 2 * L);
        c23.intoArray(c, co + 2 * cs + 3 * L);
        c30.intoArray(c, co + 3 * cs);
        c31.intoArray(c, co + 3 * cs + L);
        c32.intoArray(c, co + 3 * cs + 2 * L);
        c33.intoArray(c, co + 3 * cs + 3 * L);
        c40.intoArray(c, co + 4 * cs);
        c41.intoArray(c, co + 4 * cs + L);
        c42.intoArray(c, co + 4 * cs + 2 * L);
        c43.intoArray(c, co + 4 * cs + 3 * L);
        c50.intoArray(c, co + 5 * cs);
        c51.intoArray(c, co + 5 * cs + L);
        c52.intoArray(c, co + 5 * cs + 2 * L);
        c53.intoArray(c, co + 5 * cs + 3 * L);
    }

    /** 1 row by 4 vectors of {@link #product}. */
    static void rows1x4(float[] a, int ao, int aks, float[] b, int bo, int bs, int K, float[] c, int co, boolean acc, float[] max) {
        FloatVector c00 = start(c, co, acc), c01 = start(c, co + L, acc), c02 = start(c, co + 2 * L, acc), c03 = start(c, co + 3 * L, acc);
        for (int k = 0, ak = ao, bk = bo; k < K; k++, ak += aks, bk += bs) {
            FloatVector b0 = FloatVector.fromArray(F, b, bk), b1 = FloatVector.fromArray(F, b, bk + L), b2 = FloatVector.fromArray(F, b, bk + 2 * L), b3 = FloatVector.fromArray(F, b, bk + 3 * L);
            FloatVector x = FloatVector.broadcast(F, a[ak]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            c03 = x.fma(b3, c03);
        }
        if (max != null) {
            FloatVector.fromArray(F, max, 0).max(c00).intoArray(max, 0);
            FloatVector.fromArray(F, max, L).max(c01).intoArray(max, L);
            FloatVector.fromArray(F, max, 2 * L).max(c02).intoArray(max, 2 * L);
            FloatVector.fromArray(F, max, 3 * L).max(c03).intoArray(max, 3 * L);
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + L);
        c02.intoArray(c, co + 2 * L);
        c03.intoArray(c, co + 3 * L);
    }

    /** 6 rows by 2 vectors of {@link #product}. */
    static void rows6x2(float[] a, int ao, int ars, int aks, float[] b, int bo, int bs, int K, float[] c, int co, int cs, boolean acc, float[] max) {
        FloatVector c00 = start(c, co, acc), c01 = start(c, co + L, acc);
        FloatVector c10 = start(c, co + cs, acc), c11 = start(c, co + cs + L, acc);
        FloatVector c20 = start(c, co + 2 * cs, acc), c21 = start(c, co + 2 * cs + L, acc);
        FloatVector c30 = start(c, co + 3 * cs, acc), c31 = start(c, co + 3 * cs + L, acc);
        FloatVector c40 = start(c, co + 4 * cs, acc), c41 = start(c, co + 4 * cs + L, acc);
        FloatVector c50 = start(c, co + 5 * cs, acc), c51 = start(c, co + 5 * cs + L, acc);
        for (int k = 0, ak = ao, bk = bo; k < K; k++, ak += aks, bk += bs) {
            FloatVector b0 = FloatVector.fromArray(F, b, bk), b1 = FloatVector.fromArray(F, b, bk + L);
            FloatVector x = FloatVector.broadcast(F, a[ak]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, a[ak + ars]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, a[ak + 2 * ars]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, a[ak + 3 * ars]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(F, a[ak + 4 * ars]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(F, a[ak + 5 * ars]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        if (max != null) {
            FloatVector.fromArray(F, max, 0).max(c00).max(c10).max(c20).max(c30).max(c40).max(c50).intoArray(max, 0);
            FloatVector.fromArray(F, max, L).max(c01).max(c11).max(c21).max(c31).max(c41).max(c51).intoArray(max, L);
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + L);
        c10.intoArray(c, co + cs);
        c11.intoArray(c, co + cs + L);
        c20.intoArray(c, co + 2 * cs);
        c21.intoArray(c, co + 2 * cs + L);
        c30.intoArray(c, co + 3 * cs);
        c31.intoArray(c, co + 3 * cs + L);
        c40.intoArray(c, co + 4 * cs);
        c41.intoArray(c, co + 4 * cs + L);
        c50.intoArray(c, co + 5 * cs);
        c51.intoArray(c, co + 5 * cs + L);
    }

    /** 1 row by 2 vectors of {@link #product}. */
    static void rows1x2(float[] a, int ao, int aks, float[] b, int bo, int bs, int K, float[] c, int co, boolean acc, float[] max) {
        FloatVector c00 = start(c, co, acc), c01 = start(c, co + L, acc);
        for (int k = 0, ak = ao, bk = bo; k < K; k++, ak += aks, bk += bs) {
            FloatVector b0 = FloatVector.fromArray(F, b, bk), b1 = FloatVector.fromArray(F, b, bk + L);
            FloatVector x = FloatVector.broadcast(F, a[ak]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
        }
        if (max != null) {
            FloatVector.fromArray(F, max, 0).max(c00).intoArray(max, 0);
            FloatVector.fromArray(F, max, L).max(c01).intoArray(max, L);
        }
        c00.intoArray(c, co);
        c01.intoArray(c, co + L);
    }
}
