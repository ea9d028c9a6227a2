package dev.dycoke4j.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two products of {@link Attention}'s flash loop over a bfloat16 KV cache ({@link Bf16}'s run layout): the same
 * register tiles as {@link Attention#qk} and {@link Attention#pv}, each run of 2L cached elements read by one
 * int-vector load and widened in registers ({@code w << 16}, {@code w & 0xffff0000}), so a step reads half the cache
 * bytes of float32 for one shift and one mask per two vectors.
 */
final class Bf16Attention {
    static final VectorSpecies<Float> F = Attention.F;
    static final int L = F.length(), RUN = Bf16.RUN, TQ = Attention.TQ;
    /** 2L shorts: one run, the width of L ints. */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(32 * L));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(32 * L));
    private static final int HIGH = 0xffff0000;

    private Bf16Attention() {
    }

    private static IntVector run(short[] a, int at) {
        return ShortVector.fromArray(S, a, at).reinterpretAsInts();
    }

    /** Elements 0..L-1 of a run. */
    private static FloatVector lo(IntVector w) {
        return w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** Elements L..2L-1 of a run. */
    private static FloatVector hi(IntVector w) {
        return w.lanewise(VectorOperators.AND, HIGH).reinterpretAsFloats();
    }

    /** As {@link Attention#qk}: sc[r·rs + c + 0..KP) = Σ_d q[qo[r] + d] · key panel at kb, element d, for the 4 rows. */
    static void qk(float[] q, int[] qo, short[] kt, int kb, int D, float[] sc, int c, int rs) {
        int q0 = qo[0], q1 = qo[1], q2 = qo[2], q3 = qo[3];
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int d = 0, ko = kb; d < D; d++, ko += RUN) {
            IntVector w = run(kt, ko);
            FloatVector k0 = lo(w), k1 = hi(w);
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
        a10.intoArray(sc, rs + c);
        a11.intoArray(sc, rs + c + L);
        a20.intoArray(sc, 2 * rs + c);
        a21.intoArray(sc, 2 * rs + c + L);
        a30.intoArray(sc, 3 * rs + c);
        a31.intoArray(sc, 3 * rs + c + L);
    }

    /**
     * As {@link Attention#pv}: o[r·D + d] += Σ_{s<nb} p[r·rs + s] · v(s, d) for the 4 rows and all d, value row s of the
     * head at {@code vb + s·stride} in the run layout. Two runs at a time with 32 vector registers, then one, then the
     * tail elements one by one.
     */
    static void pv(float[] p, int rs, int nb, short[] v, int vb, int stride, float[] o, int D) {
        int whole = D / RUN * RUN, d = 0;
        if (L >= 16) for (; d + 2 * RUN <= whole; d += 2 * RUN) pv2(p, rs, nb, v, vb + d, stride, o, d, D);
        for (; d < whole; d += RUN) pv1(p, rs, nb, v, vb + d, stride, o, d, D);
        for (; d < D; d++)
            for (int r = 0; r < TQ; r++) {
                float a = o[r * D + d];
                for (int s = 0; s < nb; s++) a += p[r * rs + s] * KvCodec.fromBf16(v[vb + s * stride + d]);
                o[r * D + d] = a;
            }
    }

    /** Two runs (4L elements of d) for the 4 rows: 16 accumulators. */
    static void pv2(float[] sc, int rs, int nb, short[] v, int vb, int stride, float[] o, int d, int D) {
        int o0 = d, o1 = D + d, o2 = 2 * D + d, o3 = 3 * D + d;
        FloatVector a00 = FloatVector.fromArray(F, o, o0), a01 = FloatVector.fromArray(F, o, o0 + L), a02 = FloatVector.fromArray(F, o, o0 + 2 * L), a03 = FloatVector.fromArray(F, o, o0 + 3 * L);
        FloatVector a10 = FloatVector.fromArray(F, o, o1), a11 = FloatVector.fromArray(F, o, o1 + L), a12 = FloatVector.fromArray(F, o, o1 + 2 * L), a13 = FloatVector.fromArray(F, o, o1 + 3 * L);
        FloatVector a20 = FloatVector.fromArray(F, o, o2), a21 = FloatVector.fromArray(F, o, o2 + L), a22 = FloatVector.fromArray(F, o, o2 + 2 * L), a23 = FloatVector.fromArray(F, o, o2 + 3 * L);
        FloatVector a30 = FloatVector.fromArray(F, o, o3), a31 = FloatVector.fromArray(F, o, o3 + L), a32 = FloatVector.fromArray(F, o, o3 + 2 * L), a33 = FloatVector.fromArray(F, o, o3 + 3 * L);
        for (int s = 0, vo = vb; s < nb; s++, vo += stride) {
            IntVector w0 = run(v, vo), w1 = run(v, vo + RUN);
            FloatVector v0 = lo(w0), v1 = hi(w0), v2 = lo(w1), v3 = hi(w1);
            FloatVector b = FloatVector.broadcast(F, sc[s]);
            a00 = b.fma(v0, a00);
            a01 = b.fma(v1, a01);
            a02 = b.fma(v2, a02);
            a03 = b.fma(v3, a03);
            b = FloatVector.broadcast(F, sc[rs + s]);
            a10 = b.fma(v0, a10);
            a11 = b.fma(v1, a11);
            a12 = b.fma(v2, a12);
            a13 = b.fma(v3, a13);
            b = FloatVector.broadcast(F, sc[2 * rs + s]);
            a20 = b.fma(v0, a20);
            a21 = b.fma(v1, a21);
            a22 = b.fma(v2, a22);
            a23 = b.fma(v3, a23);
            b = FloatVector.broadcast(F, sc[3 * rs + s]);
            a30 = b.fma(v0, a30);
            a31 = b.fma(v1, a31);
            a32 = b.fma(v2, a32);
            a33 = b.fma(v3, a33);
        }
        a00.intoArray(o, o0);
        a01.intoArray(o, o0 + L);
        a02.intoArray(o, o0 + 2 * L);
        a03.intoArray(o, o0 + 3 * L);
        a10.intoArray(o, o1);
        a11.intoArray(o, o1 + L);
        a12.intoArray(o, o1 + 2 * L);
        a13.intoArray(o, o1 + 3 * L);
        a20.intoArray(o, o2);
        a21.intoArray(o, o2 + L);
        a22.intoArray(o, o2 + 2 * L);
        a23.intoArray(o, o2 + 3 * L);
        a30.intoArray(o, o3);
        a31.intoArray(o, o3 + L);
        a32.intoArray(o, o3 + 2 * L);
        a33.intoArray(o, o3 + 3 * L);
    }

    /** One run (2L elements of d) for the 4 rows: 8 accumulators. */
    static void pv1(float[] sc, int rs, int nb, short[] v, int vb, int stride, float[] o, int d, int D) {
        int o0 = d, o1 = D + d, o2 = 2 * D + d, o3 = 3 * D + d;
        FloatVector a00 = FloatVector.fromArray(F, o, o0), a01 = FloatVector.fromArray(F, o, o0 + L);
        FloatVector a10 = FloatVector.fromArray(F, o, o1), a11 = FloatVector.fromArray(F, o, o1 + L);
        FloatVector a20 = FloatVector.fromArray(F, o, o2), a21 = FloatVector.fromArray(F, o, o2 + L);
        FloatVector a30 = FloatVector.fromArray(F, o, o3), a31 = FloatVector.fromArray(F, o, o3 + L);
        for (int s = 0, vo = vb; s < nb; s++, vo += stride) {
            IntVector w = run(v, vo);
            FloatVector v0 = lo(w), v1 = hi(w);
            FloatVector b = FloatVector.broadcast(F, sc[s]);
            a00 = b.fma(v0, a00);
            a01 = b.fma(v1, a01);
            b = FloatVector.broadcast(F, sc[rs + s]);
            a10 = b.fma(v0, a10);
            a11 = b.fma(v1, a11);
            b = FloatVector.broadcast(F, sc[2 * rs + s]);
            a20 = b.fma(v0, a20);
            a21 = b.fma(v1, a21);
            b = FloatVector.broadcast(F, sc[3 * rs + s]);
            a30 = b.fma(v0, a30);
            a31 = b.fma(v1, a31);
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
}
