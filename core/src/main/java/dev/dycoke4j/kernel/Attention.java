package dev.dycoke4j.kernel;

import dev.dycoke4j.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Scaled dot-product attention with grouped-query heads, for T queries over S keys/values. It never builds a T x S
 * matrix.
 *
 * <p>From {@value #FLASH_MIN_T} queries on it is blocked, flash-style: K is repacked once per call into panels of
 * 2 vectors' worth of keys, {@code [kv head][key panel][d][2L keys]}, so that a block of {@value #TQ} queries of one
 * head times {@value #SK} keys is a small broadcast-FMA GEMM (no horizontal sums); the softmax runs online over the
 * key blocks (running max and sum per query, earlier partial outputs rescaled when the max grows), with a vectorised
 * exp; the weighted sum of values is a second register-tiled product, 4 queries x 3 (or 2, or 1) vectors of d. Work
 * items are (query block, head) pairs, dealt out outside-in over the query blocks so that both threads get the same
 * share of a causal triangle. Below that (decode) each (query, head) pair computes one row of scores in a scratch
 * row, softmaxes it and accumulates the values.
 *
 * <p>Layouts (row-major, floats): {@code q[qOff + t*qStride + h*D]}, {@code k[kOff + s*kvStride + g*D]}, likewise v,
 * {@code out[oOff + t*qStride + h*D]}, with head h reading kv head {@code g = h / (H/KVH)}. With {@code causal}, query
 * t sits at position {@code pos0 + t} and sees keys {@code 0..pos0+t}; otherwise it sees all S.
 */
public final class Attention {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** The shapes of one attention call. */
    public record Shape(int T, int S, int H, int KVH, int D, int qStride, int kvStride, boolean causal, int pos0, float scale) {
    }

    private Attention() {
    }

    /** Queries per flash block (the rows of both register tiles), and keys per block (a multiple of 2 vectors). */
    static final int TQ = 4, SK = 128;
    static final int L = F.length();
    static final int FLASH_MIN_T = 4;

    public static void attend(Shape sh, float[] q, int qOff, float[] k, int kOff, float[] v, int vOff, float[] out, int oOff) {
        if (sh.H % sh.KVH != 0) throw new IllegalArgumentException("heads " + sh.H + " are not a multiple of kv heads " + sh.KVH);
        if (sh.T >= FLASH_MIN_T) {
            flash(sh, q, qOff, k, kOff, v, vOff, out, oOff);
            return;
        }
        int pairs = sh.T * sh.H;
        // one (row, head) pair is a whole pass over the cache: worth a thread each at decode
        Parallel.forRange(pairs, 1, (lo, hi) -> rows(sh, q, qOff, k, kOff, v, vOff, out, oOff, lo, hi));
    }

    // ---- blocked (flash-style) attention

    static void flash(Shape sh, float[] q, int qOff, float[] k, int kOff, float[] v, int vOff, float[] out, int oOff) {
        int sp = (sh.S + 2 * L - 1) / (2 * L) * (2 * L);
        float[] kt = new float[sh.KVH * sh.D * sp];
        Parallel.forRange(sh.KVH * (sp / (2 * L)), 8, (lo, hi) -> packK(sh, k, kOff, kt, sp, lo, hi));
        int blocks = (sh.T + TQ - 1) / TQ;
        Parallel.forRange(blocks * sh.H, 1, (lo, hi) -> {
            Scratch w = new Scratch(sh.D);
            for (int i = lo; i < hi; i++) {
                int j = i / sh.H, h = i % sh.H;
                int tb = j % 2 == 0 ? j / 2 : blocks - 1 - j / 2; // outside-in: 0, last, 1, last-1, ...
                flashBlock(sh, q, qOff, kt, sp, v, vOff, out, oOff, tb * TQ, h, w);
            }
        });
    }

    /**
     * Panels {@code [lo, hi)}, panel {@code g·(sp/2L) + c} holding keys {@code c·2L ..} of kv head g:
     * kt[panel·D·2L + d·2L + j] = K[c·2L + j, g, d], zero past S.
     */
    static void packK(Shape sh, float[] k, int kOff, float[] kt, int sp, int lo, int hi) {
        int per = sp / (2 * L), D = sh.D;
        for (int p = lo; p < hi; p++) {
            int g = p / per, s0 = (p % per) * 2 * L, base = p * D * 2 * L;
            for (int j = 0; j < 2 * L && s0 + j < sh.S; j++) {
                int src = kOff + (s0 + j) * sh.kvStride + g * D;
                for (int d = 0; d < D; d++) kt[base + d * 2 * L + j] = k[src + d];
            }
        }
    }

    /** A thread's scratch: scores of a block, output accumulators, and the running max and sum per query. */
    static final class Scratch {
        final float[] sc = new float[TQ * SK];
        final float[] o;
        final float[] max = new float[TQ], sum = new float[TQ];
        final int[] limit = new int[TQ], qo = new int[TQ];

        Scratch(int d) {
            o = new float[TQ * d];
        }
    }

    static void flashBlock(Shape sh, float[] q, int qOff, float[] kt, int sp, float[] v, int vOff, float[] out, int oOff,
                           int t0, int h, Scratch w) {
        int D = sh.D, rows = Math.min(TQ, sh.T - t0), g = h / (sh.H / sh.KVH);
        int end = 0;
        for (int r = 0; r < TQ; r++) {
            int t = t0 + Math.min(r, rows - 1); // rows past T repeat the last one; never written out
            w.qo[r] = qOff + t * sh.qStride + h * D;
            w.limit[r] = sh.causal ? Math.min(sh.S, sh.pos0 + t + 1) : sh.S;
            end = Math.max(end, w.limit[r]);
            w.max[r] = Float.NEGATIVE_INFINITY;
            w.sum[r] = 0;
        }
        java.util.Arrays.fill(w.o, 0f);
        float[] sc = w.sc;
        for (int s0 = 0; s0 < end; s0 += SK) {
            int nb = Math.min(SK, end - s0), nbp = (nb + 2 * L - 1) / (2 * L) * (2 * L);
            int kb = (g * sp + s0) * D; // panel (g, s0 / 2L) starts at (g·sp/2L + s0/2L)·D·2L
            for (int c = 0; c < nbp; c += 2 * L) qk(q, w.qo, kt, kb + c * D, D, sc, c);
            for (int r = 0; r < TQ; r++) {
                int valid = Math.max(0, Math.min(nb, w.limit[r] - s0)); // at least key 0 is always visible
                softmaxRow(sc, r * SK, valid, nbp, sh.scale, w, r);
            }
            int vb = vOff + s0 * sh.kvStride + g * D;
            int d = 0;
            for (; d + 3 * L <= D; d += 3 * L) pv3(sc, nb, v, vb + d, sh.kvStride, w.o, d, D);
            if (d + 2 * L <= D) {
                pv2(sc, nb, v, vb + d, sh.kvStride, w.o, d, D);
                d += 2 * L;
            }
            for (; d + L <= D; d += L) pv1(sc, nb, v, vb + d, sh.kvStride, w.o, d, D);
            for (; d < D; d++)
                for (int r = 0; r < TQ; r++) {
                    float a = w.o[r * D + d];
                    for (int s = 0; s < nb; s++) a += sc[r * SK + s] * v[vb + s * sh.kvStride + d];
                    w.o[r * D + d] = a;
                }
        }
        for (int r = 0; r < rows; r++) {
            float inv = 1f / w.sum[r];
            int oo = oOff + (t0 + r) * sh.qStride + h * D;
            for (int d = 0; d < D; d++) out[oo + d] = w.o[r * D + d] * inv;
        }
    }

    /** sc[r·SK + c + 0..2L) = Σ_d q[qo[r] + d] · kt[kb + d·2L + 0..2L) for the 4 rows: one key panel. */
    static void qk(float[] q, int[] qo, float[] kt, int kb, int D, float[] sc, int c) {
        int q0 = qo[0], q1 = qo[1], q2 = qo[2], q3 = qo[3];
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int d = 0, ko = kb; d < D; d++, ko += 2 * L) {
            FloatVector k0 = FloatVector.fromArray(F, kt, ko), k1 = FloatVector.fromArray(F, kt, ko + L);
            FloatVector b = FloatVector.broadcast(F, q[q0 + d]);
            a00 = b.fma(k0, a00);
            a01 = b.fma(k1, a01);
            b = FloatVector.broadcast(F, q[q1 + d]);
            a10 = b.fma(k0, a10);
            a11 = b.fma(k1, a11);
            b = FloatVector.broadcast(F, q[q2 + d]);
            a20 = b.fma(k0, a20);
            a21 = b.fma(k1, a21);
            b = FloatVector.broadcast(F, q[q3 + d]);
            a30 = b.fma(k0, a30);
            a31 = b.fma(k1, a31);
        }
        a00.intoArray(sc, c);
        a01.intoArray(sc, c + L);
        a10.intoArray(sc, SK + c);
        a11.intoArray(sc, SK + c + L);
        a20.intoArray(sc, 2 * SK + c);
        a21.intoArray(sc, 2 * SK + c + L);
        a30.intoArray(sc, 3 * SK + c);
        a31.intoArray(sc, 3 * SK + c + L);
    }

    /**
     * Scales row r's raw scores, masks those at and past {@code valid} (causal, or past the block), folds the block
     * into the running max and sum, rescales the row's partial output if the max grew, and leaves exp(score - max)
     * in the row (0 where masked).
     */
    static void softmaxRow(float[] sc, int ro, int valid, int nbp, float scale, Scratch w, int r) {
        for (int s = valid; s < nbp; s++) sc[ro + s] = Float.NEGATIVE_INFINITY;
        FloatVector sv = FloatVector.broadcast(F, scale);
        FloatVector mv = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int s = 0; s < nbp; s += L) {
            FloatVector x = FloatVector.fromArray(F, sc, ro + s).mul(sv);
            x.intoArray(sc, ro + s);
            mv = mv.max(x);
        }
        float old = w.max[r], max = Math.max(old, mv.reduceLanes(VectorOperators.MAX));
        FloatVector m = FloatVector.broadcast(F, max), acc = FloatVector.zero(F);
        for (int s = 0; s < nbp; s += L) {
            FloatVector p = FloatVector.fromArray(F, sc, ro + s).sub(m).lanewise(VectorOperators.EXP);
            p.intoArray(sc, ro + s);
            acc = acc.add(p);
        }
        float blockSum = acc.reduceLanes(VectorOperators.ADD);
        if (max > old) {
            float corr = (float) Math.exp(old - max); // 0 on the first block
            w.sum[r] = w.sum[r] * corr + blockSum;
            if (old != Float.NEGATIVE_INFINITY) {
                int D = w.o.length / TQ;
                for (int d = 0; d < D; d++) w.o[r * D + d] *= corr;
            }
        } else {
            w.sum[r] += blockSum;
        }
        w.max[r] = max;
    }

    /** o[r·D + d + 0..3L) += Σ_s p[r, s] · v[vb + s·stride + 0..3L) for the 4 rows. */
    static void pv3(float[] sc, int nb, float[] v, int vb, int stride, float[] o, int d, int D) {
        int o0 = d, o1 = D + d, o2 = 2 * D + d, o3 = 3 * D + d;
        FloatVector a00 = FloatVector.fromArray(F, o, o0), a01 = FloatVector.fromArray(F, o, o0 + L), a02 = FloatVector.fromArray(F, o, o0 + 2 * L);
        FloatVector a10 = FloatVector.fromArray(F, o, o1), a11 = FloatVector.fromArray(F, o, o1 + L), a12 = FloatVector.fromArray(F, o, o1 + 2 * L);
        FloatVector a20 = FloatVector.fromArray(F, o, o2), a21 = FloatVector.fromArray(F, o, o2 + L), a22 = FloatVector.fromArray(F, o, o2 + 2 * L);
        FloatVector a30 = FloatVector.fromArray(F, o, o3), a31 = FloatVector.fromArray(F, o, o3 + L), a32 = FloatVector.fromArray(F, o, o3 + 2 * L);
        for (int s = 0, vo = vb; s < nb; s++, vo += stride) {
            FloatVector v0 = FloatVector.fromArray(F, v, vo), v1 = FloatVector.fromArray(F, v, vo + L), v2 = FloatVector.fromArray(F, v, vo + 2 * L);
            FloatVector p = FloatVector.broadcast(F, sc[s]);
            a00 = p.fma(v0, a00);
            a01 = p.fma(v1, a01);
            a02 = p.fma(v2, a02);
            p = FloatVector.broadcast(F, sc[SK + s]);
            a10 = p.fma(v0, a10);
            a11 = p.fma(v1, a11);
            a12 = p.fma(v2, a12);
            p = FloatVector.broadcast(F, sc[2 * SK + s]);
            a20 = p.fma(v0, a20);
            a21 = p.fma(v1, a21);
            a22 = p.fma(v2, a22);
            p = FloatVector.broadcast(F, sc[3 * SK + s]);
            a30 = p.fma(v0, a30);
            a31 = p.fma(v1, a31);
            a32 = p.fma(v2, a32);
        }
        a00.intoArray(o, o0);
        a01.intoArray(o, o0 + L);
        a02.intoArray(o, o0 + 2 * L);
        a10.intoArray(o, o1);
        a11.intoArray(o, o1 + L);
        a12.intoArray(o, o1 + 2 * L);
        a20.intoArray(o, o2);
        a21.intoArray(o, o2 + L);
        a22.intoArray(o, o2 + 2 * L);
        a30.intoArray(o, o3);
        a31.intoArray(o, o3 + L);
        a32.intoArray(o, o3 + 2 * L);
    }

    /** As {@link #pv3} for two vectors of d. */
    static void pv2(float[] sc, int nb, float[] v, int vb, int stride, float[] o, int d, int D) {
        int o0 = d, o1 = D + d, o2 = 2 * D + d, o3 = 3 * D + d;
        FloatVector a00 = FloatVector.fromArray(F, o, o0), a01 = FloatVector.fromArray(F, o, o0 + L);
        FloatVector a10 = FloatVector.fromArray(F, o, o1), a11 = FloatVector.fromArray(F, o, o1 + L);
        FloatVector a20 = FloatVector.fromArray(F, o, o2), a21 = FloatVector.fromArray(F, o, o2 + L);
        FloatVector a30 = FloatVector.fromArray(F, o, o3), a31 = FloatVector.fromArray(F, o, o3 + L);
        for (int s = 0, vo = vb; s < nb; s++, vo += stride) {
            FloatVector v0 = FloatVector.fromArray(F, v, vo), v1 = FloatVector.fromArray(F, v, vo + L);
            FloatVector p = FloatVector.broadcast(F, sc[s]);
            a00 = p.fma(v0, a00);
            a01 = p.fma(v1, a01);
            p = FloatVector.broadcast(F, sc[SK + s]);
            a10 = p.fma(v0, a10);
            a11 = p.fma(v1, a11);
            p = FloatVector.broadcast(F, sc[2 * SK + s]);
            a20 = p.fma(v0, a20);
            a21 = p.fma(v1, a21);
            p = FloatVector.broadcast(F, sc[3 * SK + s]);
            a30 = p.fma(v0, a30);
            a31 = p.fma(v1, a31);
        }
        a00.intoArray(o, o0);
        a01.intoArray(o, o0 + L);
        a10.intoArray(o, o1);
        a11.intoArray(o, o1 + L);
        a20.intoArray(o, o2);
        a21.intoArray(o, o2 + L);
        a30.intoArray(o, o3);
        a31.intoArray(o, o3 + L);
    }

    /** As {@link #pv3} for one vector of d. */
    static void pv1(float[] sc, int nb, float[] v, int vb, int stride, float[] o, int d, int D) {
        FloatVector a0 = FloatVector.fromArray(F, o, d), a1 = FloatVector.fromArray(F, o, D + d);
        FloatVector a2 = FloatVector.fromArray(F, o, 2 * D + d), a3 = FloatVector.fromArray(F, o, 3 * D + d);
        for (int s = 0, vo = vb; s < nb; s++, vo += stride) {
            FloatVector x = FloatVector.fromArray(F, v, vo);
            a0 = FloatVector.broadcast(F, sc[s]).fma(x, a0);
            a1 = FloatVector.broadcast(F, sc[SK + s]).fma(x, a1);
            a2 = FloatVector.broadcast(F, sc[2 * SK + s]).fma(x, a2);
            a3 = FloatVector.broadcast(F, sc[3 * SK + s]).fma(x, a3);
        }
        a0.intoArray(o, d);
        a1.intoArray(o, D + d);
        a2.intoArray(o, 2 * D + d);
        a3.intoArray(o, 3 * D + d);
    }

    // ---- row at a time (decode)

    static void rows(Shape sh, float[] q, int qOff, float[] k, int kOff, float[] v, int vOff, float[] out, int oOff, int lo, int hi) {
        float[] scores = new float[sh.S];
        int group = sh.H / sh.KVH;
        for (int p = lo; p < hi; p++) {
            int t = p / sh.H, h = p % sh.H, g = h / group;
            int n = sh.causal ? Math.min(sh.S, sh.pos0 + t + 1) : sh.S;
            int qo = qOff + t * sh.qStride + h * sh.D;
            int ko = kOff + g * sh.D, vo = vOff + g * sh.D;
            float max = Float.NEGATIVE_INFINITY;
            for (int s = 0; s < n; s++) {
                float sc = dot(q, qo, k, ko + s * sh.kvStride, sh.D) * sh.scale;
                scores[s] = sc;
                if (sc > max) max = sc;
            }
            float sum = expSum(scores, n, max);
            float inv = 1.0f / sum;
            int oo = oOff + t * sh.qStride + h * sh.D;
            java.util.Arrays.fill(out, oo, oo + sh.D, 0f);
            for (int s = 0; s < n; s++) axpy(scores[s] * inv, v, vo + s * sh.kvStride, out, oo, sh.D);
        }
    }

    /** scores[0..n) = exp(scores[s] - max), returning their sum: vector exp (SVML on x86) and a scalar tail. */
    static float expSum(float[] scores, int n, float max) {
        int s = 0, ub = F.loopBound(n);
        FloatVector m = FloatVector.broadcast(F, max), acc = FloatVector.zero(F);
        for (; s < ub; s += L) {
            FloatVector e = FloatVector.fromArray(F, scores, s).sub(m).lanewise(VectorOperators.EXP);
            e.intoArray(scores, s);
            acc = acc.add(e);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; s < n; s++) {
            float e = (float) Math.exp(scores[s] - max);
            scores[s] = e;
            sum += e;
        }
        return sum;
    }

    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0, ub = F.loopBound(n);
        float s = 0;
        if (ub > 0) {
            FloatVector acc = FloatVector.zero(F);
            for (; i < ub; i += F.length())
                acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
            s = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0, ub = F.loopBound(n);
        if (ub > 0) {
            FloatVector a = FloatVector.broadcast(F, alpha);
            for (; i < ub; i += F.length())
                FloatVector.fromArray(F, x, xo + i).fma(a, FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] += alpha * x[xo + i];
    }
}
