package dev.dycoke4j.kernel;

import dev.dycoke4j.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Scaled dot-product attention with grouped-query heads, for T queries over S keys/values. It never builds a T x S
 * matrix.
 *
 * <p>Keys are read as {@link KeyPanels} (a KV cache keeps them so; {@link #attend} repacks row-major keys once per
 * call), so that the scores of a block of {@value #TQ} query rows against a panel of keys are a small broadcast-FMA
 * GEMM, with no horizontal sums. The softmax runs online over key blocks of {@value #SK} (running max and sum per row,
 * earlier partial outputs rescaled when the max grows), with a vectorised exp; the weighted sum of values is a second
 * register-tiled product, 4 rows x 4 (with 32 vector registers), 3, 2 or 1 vectors of d.
 *
 * <p>From {@value #FLASH_MIN_T} queries on (prefill), a block's rows are 4 queries of one head; work items are
 * (query block, kv head) pairs, over the heads that share the kv head, dealt out outside-in over the query blocks so
 * that both threads get the same share of a causal triangle. Below that (decode), a block's rows are the heads that
 * share a kv head, so each key and value vector loaded serves up to 4 heads; work items are chunks of keys.
 *
 * <p>Non-causal attention within independent segments (SigLIP's frames: {@link #attendBatched}; Qwen2.5-VL's vision
 * windows: {@link #attendSegments}) runs instead as two tiled products per block of queries with an exact softmax
 * between them ({@link SegmentAttention}).
 *
 * <p>Keys and values are float32, or bfloat16 in {@link Bf16}'s layout (the {@code short[]} overload), widened in
 * registers by {@link Bf16Attention}'s twins of the two products; both formats share the blocked loops, which pick
 * the products once per block of keys.
 *
 * <p>Layouts (row-major, floats): {@code q[qOff + t*qStride + h*D]}, {@code k[kOff + s*kvStride + g*D]}, likewise v,
 * {@code out[oOff + t*qStride + h*D]}, with head h reading kv head {@code g = h / (H/KVH)}. With {@code causal}, query
 * t sits at position {@code pos0 + t} and sees keys {@code 0..pos0+t}; otherwise it sees all S.
 */
public final class Attention {
    static final VectorSpecies<Float> F = VectorWidth.FLOAT;

    /** The shapes of one attention call. */
    public record Shape(int T, int S, int H, int KVH, int D, int qStride, int kvStride, boolean causal, int pos0, float scale) {
    }

    private Attention() {
    }

    /** Rows per block (of both register tiles), and keys per block (a multiple of a key panel). */
    static final int TQ = 4, SK = 128;
    static final int L = F.length();
    static final int KP = KeyPanels.KP;
    static final int FLASH_MIN_T = 4;

    /** Attention with row-major keys: they are packed into {@link KeyPanels} first (in parallel), then {@link #attendPanels}. */
    public static void attend(Shape sh, float[] q, int qOff, float[] k, int kOff, float[] v, int vOff, float[] out, int oOff) {
        check(sh);
        float[] kp = new float[KeyPanels.floats(sh.S, sh.KVH, sh.D)];
        Parallel.forRange(KeyPanels.panels(sh.S), 4, (lo, hi) -> {
            int s0 = lo * KP, s1 = Math.min(sh.S, hi * KP);
            KeyPanels.put(kp, sh.KVH, sh.D, s0, s1 - s0, k, kOff + s0 * sh.kvStride, sh.kvStride);
        });
        attendPanels(sh, q, qOff, kp, v, vOff, out, oOff);
    }

    /**
     * {@code batches} independent non-causal attentions of shape {@code sh}, batch b's q, k, v and out rows starting at
     * {@code b·batchStride} of each array: SigLIP's frames, each attending within itself. One job runs every (batch,
     * head, block of queries) through {@link SegmentAttention}'s tiled products, so a layer hands the threads one job
     * whatever the number of frames.
     */
    public static void attendBatched(Shape sh, int batches, int batchStride, float[] q, float[] k, float[] v, float[] out) {
        check(sh);
        if (sh.causal) throw new IllegalArgumentException("batched attention is non-causal");
        int[] off = new int[batches], queries = new int[batches], keys = new int[batches];
        for (int b = 0; b < batches; b++) {
            off[b] = Math.multiplyExact(b, batchStride);
            queries[b] = sh.T;
            keys[b] = sh.S;
        }
        SegmentAttention.attend(sh, new SegmentAttention.Segments(off, off, queries, keys), q, k, v, out);
    }

    /**
     * Non-causal attention within each segment of rows {@code [cuSeqlens[i], cuSeqlens[i+1])} of q and out (rows of
     * {@code sh.qStride}) and of k and v (rows of {@code sh.kvStride}): each segment's queries see only its own keys,
     * a block-diagonal mask, as Qwen2.5-VL's vision windows and full-attention blocks are. {@code sh.T} and
     * {@code sh.S} are the rows the segments cover (the last boundary is at most both); all segments are one job.
     */
    public static void attendSegments(Shape sh, int[] cuSeqlens, float[] q, float[] k, float[] v, float[] out) {
        check(sh);
        if (sh.causal) throw new IllegalArgumentException("segment attention is non-causal");
        int n = Math.max(0, cuSeqlens.length - 1);
        int[] qOff = new int[n], kvOff = new int[n], len = new int[n];
        for (int i = 0; i < n; i++) {
            int lo = cuSeqlens[i], hi = cuSeqlens[i + 1];
            if (lo < 0 || hi < lo || hi > Math.min(sh.T, sh.S))
                throw new IllegalArgumentException("segment boundaries must rise from 0 to at most " + Math.min(sh.T, sh.S) + ", not " + java.util.Arrays.toString(cuSeqlens));
            qOff[i] = Math.multiplyExact(lo, sh.qStride);
            kvOff[i] = Math.multiplyExact(lo, sh.kvStride);
            len[i] = hi - lo;
        }
        SegmentAttention.attend(sh, new SegmentAttention.Segments(qOff, kvOff, len, len), q, k, v, out);
    }

    /**
     * Attention with the keys already in {@link KeyPanels} form ({@code kp}, holding at least S keys of KVH heads of
     * D); {@code sh.kvStride} is the stride of the value rows.
     */
    public static void attendPanels(Shape sh, float[] q, int qOff, float[] kp, float[] v, int vOff, float[] out, int oOff) {
        attendPanels(sh, q, qOff, KvArrays.f32(kp, v), vOff, out, oOff);
    }

    /**
     * As above, over bfloat16 keys and values in {@link Bf16}'s layout: key panels whose elements' keys are runs, value
     * rows of each head in runs.
     */
    public static void attendPanels(Shape sh, float[] q, int qOff, short[] kp, short[] v, int vOff, float[] out, int oOff) {
        attendPanels(sh, q, qOff, KvArrays.bf16(kp, v), vOff, out, oOff);
    }

    static void attendPanels(Shape sh, float[] q, int qOff, KvArrays kv, int vOff, float[] out, int oOff) {
        check(sh);
        if (kv.keyLength() < KeyPanels.floats(sh.S, sh.KVH, sh.D))
            throw new IllegalArgumentException("key panels of " + kv.keyLength() + " elements cannot hold " + sh.S + " keys of " + sh.KVH + " x " + sh.D);
        if (sh.S > 0 && kv.valueLength() < vOff + (long) (sh.S - 1) * sh.kvStride + sh.KVH * sh.D)
            throw new IllegalArgumentException("value rows of " + kv.valueLength() + " elements cannot hold " + sh.S + " rows of stride " + sh.kvStride);
        if (sh.T >= FLASH_MIN_T) flash(sh, q, qOff, kv, vOff, out, oOff);
        else decode(sh, q, qOff, kv, vOff, out, oOff, keyChunks(keysAllSee(sh), Parallel.threads()));
    }

    private static void check(Shape sh) {
        if (sh.H % sh.KVH != 0) throw new IllegalArgumentException("heads " + sh.H + " are not a multiple of kv heads " + sh.KVH);
    }

    // ---- blocked (flash-style) attention

    /**
     * {@value #FLASH_MIN_T} queries or more: work items are (block of {@value #TQ} queries, kv head), each over the
     * {@code H/KVH} heads that share the kv head, so that each block of keys and values is loaded once for all of
     * them (Qwen2-0.5B's prefill attention at 1700 tokens, one layer, 2 threads: 25.5 ms against 29.2 for an item
     * per head with F32 keys and values, 23.8 against 24.4 with BF16). The query blocks are dealt out outside-in, so
     * that both threads get the same share of a causal triangle.
     */
    static void flash(Shape sh, float[] q, int qOff, KvArrays kv, int vOff, float[] out, int oOff) {
        int blocks = (sh.T + TQ - 1) / TQ, group = sh.H / sh.KVH;
        Parallel.forRange(blocks * sh.KVH, 1, (lo, hi) -> {
            Scratch[] ws = new Scratch[group];
            for (int i = 0; i < group; i++) ws[i] = new Scratch(sh.D);
            for (int i = lo; i < hi; i++) {
                int j = i / sh.KVH, g = i % sh.KVH;
                int tb = j % 2 == 0 ? j / 2 : blocks - 1 - j / 2; // outside-in: 0, last, 1, last-1, ...
                int t0 = tb * TQ, rows = Math.min(TQ, sh.T - t0);
                for (int e = 0; e < group; e++) {
                    Scratch w = ws[e];
                    int h = g * group + e;
                    w.g = g;
                    for (int r = 0; r < TQ; r++) {
                        int t = t0 + Math.min(r, rows - 1);
                        w.qo[r] = qOff + t * sh.qStride + h * sh.D;
                        w.oo[r] = oOff + (t0 + r) * sh.qStride + h * sh.D;
                        w.limit[r] = sh.causal ? Math.min(sh.S, sh.pos0 + t + 1) : sh.S;
                    }
                }
                flashRows(sh, q, kv, vOff, ws, 0, sh.S);
                for (Scratch w : ws) w.writeOut(out, rows);
            }
        });
    }

    /** The keys every query sees: all S, or, causal, those up to the first query's position. */
    private static int keysAllSee(Shape sh) {
        return sh.causal ? Math.min(sh.S, sh.pos0 + 1) : sh.S;
    }

    /**
     * Fewer than {@value #FLASH_MIN_T} queries: the (query, head) pairs of each kv head, in blocks of {@value #TQ}, are
     * the rows. Work items are chunks of keys, each over every kv head and block of rows: so each thread streams one
     * contiguous run of the cache's key panels and value rows (at long contexts the cache lives in DRAM, and items
     * per kv head read it in interleaved pieces at a third of the speed), and each key and value is read once per
     * step. The chunks' partial softmaxes are merged at the end. The keys every query sees are split into
     * (about) {@code want} chunks.
     */
    static void decode(Shape sh, float[] q, int qOff, KvArrays kv, int vOff, float[] out, int oOff, int want) {
        int group = sh.H / sh.KVH, pairs = sh.T * group, blocks = (pairs + TQ - 1) / TQ, D = sh.D, rowsPerItem = sh.KVH * blocks * TQ;
        int common = keysAllSee(sh);
        int len = chunkLength(common, want), chunks = (common + len - 1) / len; // every chunk starts at a key all see
        // per chunk, kv head, block and row: the running max, the sum, then the unnormalised output (only when split)
        float[] part = chunks > 1 ? new float[chunks * rowsPerItem * (D + 2)] : null;
        Parallel.forRange(chunks, 1, (lo, hi) -> {
            Scratch[] ws = new Scratch[sh.KVH * blocks];
            for (int g = 0; g < sh.KVH; g++)
                for (int b = 0; b < blocks; b++) {
                    Scratch w = ws[g * blocks + b] = new Scratch(D);
                    w.g = g;
                    for (int r = 0; r < TQ; r++) {
                        int p = Math.min(b * TQ + r, pairs - 1), t = p / group, h = g * group + p % group; // past the pairs: the last again
                        w.qo[r] = qOff + t * sh.qStride + h * D;
                        w.oo[r] = oOff + t * sh.qStride + h * D;
                        w.limit[r] = sh.causal ? Math.min(sh.S, sh.pos0 + t + 1) : sh.S;
                    }
                }
            for (int c = lo; c < hi; c++) {
                flashRows(sh, q, kv, vOff, ws, c * len, c == chunks - 1 ? sh.S : (c + 1) * len);
                for (int i = 0; i < ws.length; i++) {
                    int rows = Math.min(TQ, pairs - (i % blocks) * TQ);
                    if (part == null) ws[i].writeOut(out, rows);
                    else ws[i].writePartial(part, (c * rowsPerItem + i * TQ) * (D + 2), rows);
                }
            }
        });
        if (part == null) return;
        for (int g = 0; g < sh.KVH; g++)
            for (int p = 0; p < pairs; p++) {
                int t = p / group, h = g * group + p % group;
                mergePartials(part, (g * blocks * TQ + p) * (D + 2), rowsPerItem * (D + 2), chunks, D, out, oOff + t * sh.qStride + h * D);
            }
    }

    /** Keys per chunk below which decode does not split the keys further. */
    static final int MIN_CHUNK = 2 * SK;

    /** How many chunks decode splits {@code keys} into: one per thread, as long as each has {@value #MIN_CHUNK} keys. */
    static int keyChunks(int keys, int threads) {
        return Math.max(1, Math.min(threads, keys / MIN_CHUNK));
    }

    /** A chunk's length: the keys split evenly, rounded up to whole key panels (so chunks start on a panel). */
    static int chunkLength(int keys, int chunks) {
        int per = (keys + chunks - 1) / chunks;
        return (per + KP - 1) / KP * KP;
    }

    /**
     * out[oo + d] = Σ_c e^{m_c - M} o_c[d] / Σ_c e^{m_c - M} l_c over the {@code chunks} partials (max m_c, sum l_c,
     * output o_c) found at {@code at}, {@code at + step}, ...: a softmax over all keys from softmaxes over chunks.
     * Returns the log-sum-exp of all the scores, M + ln Σ_c e^{m_c - M} l_c.
     */
    static float mergePartials(float[] part, int at, int step, int chunks, int D, float[] out, int oo) {
        float mx = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < chunks; c++) mx = Math.max(mx, part[at + c * step]);
        float sum = 0;
        for (int d = 0; d < D; d++) out[oo + d] = 0;
        for (int c = 0; c < chunks; c++) {
            int o = at + c * step;
            float f = (float) Math.exp(part[o] - mx);
            sum += f * part[o + 1];
            for (int d = 0; d < D; d++) out[oo + d] += f * part[o + 2 + d];
        }
        float inv = 1f / sum;
        for (int d = 0; d < D; d++) out[oo + d] *= inv;
        return mx + (float) Math.log(sum);
    }

    /** A thread's scratch: scores of a block, output accumulators, and per row its max, sum, query, output and limit. */
    static final class Scratch {
        final float[] sc = new float[TQ * SK];
        final float[] o;
        final float[] max = new float[TQ], sum = new float[TQ];
        final int[] limit = new int[TQ], qo = new int[TQ], oo = new int[TQ];
        /** The kv head all the rows read. */
        int g;

        Scratch(int d) {
            o = new float[TQ * d];
        }

        /** The first {@code rows} rows' outputs, normalised, to {@code out} at their offsets {@code oo}. */
        void writeOut(float[] out, int rows) {
            int D = o.length / TQ;
            for (int r = 0; r < rows; r++) {
                float inv = 1f / sum[r];
                int at = oo[r];
                for (int d = 0; d < D; d++) out[at + d] = o[r * D + d] * inv;
            }
        }

        /** The first {@code rows} rows' max, sum and unnormalised output, one after the other from {@code at}. */
        void writePartial(float[] part, int at, int rows) {
            int D = o.length / TQ;
            for (int r = 0; r < rows; r++, at += D + 2) {
                part[at] = max[r];
                part[at + 1] = sum[r];
                System.arraycopy(o, r * D, part, at + 2, D);
            }
        }
    }

    /**
     * The flash loop over keys [from, to) ({@code from} a multiple of {@value #KP}) for every block of rows in
     * {@code ws}, each reading its kv head {@code g}: each block of keys is scored and summed by all of them while it
     * is in cache.
     * Leaves each row's running max, sum and unnormalised output in its scratch. Every row must see key {@code from}.
     */
    static void flashRows(Shape sh, float[] q, KvArrays kv, int vOff, Scratch[] ws, int from, int to) {
        int D = sh.D, end = from;
        float[] kp = kv.keys(), v = kv.values();
        short[] kh = kv.keys16(), vh = kv.values16();
        for (Scratch w : ws) {
            for (int r = 0; r < TQ; r++) {
                end = Math.max(end, Math.min(to, w.limit[r]));
                w.max[r] = Float.NEGATIVE_INFINITY;
                w.sum[r] = 0;
            }
            java.util.Arrays.fill(w.o, 0f);
        }
        for (int s0 = from; s0 < end; s0 += SK) {
            int nb = Math.min(SK, end - s0), nbp = (nb + KP - 1) / KP * KP;
            for (Scratch w : ws) {
                float[] sc = w.sc;
                int g = w.g;
                for (int c = 0; c < nbp; c += KP) {
                    int kb = KeyPanels.base((s0 + c) / KP, g, sh.KVH, D);
                    if (kh != null) Bf16Attention.qk(q, w.qo, kh, kb, D, sc, c, SK);
                    else qk(q, w.qo, kp, kb, D, sc, c, SK);
                }
                for (int r = 0; r < TQ; r++) {
                    int valid = Math.max(0, Math.min(nb, w.limit[r] - s0));
                    softmaxRow(sc, r * SK, valid, nbp, sh.scale, w, r);
                }
                int vb = vOff + s0 * sh.kvStride + g * D;
                if (vh != null) Bf16Attention.pv(sc, SK, nb, vh, vb, sh.kvStride, w.o, D);
                else pv(sc, SK, nb, v, vb, sh.kvStride, w.o, D);
            }
        }
    }

    /** o[r·D + d] += Σ_{s<nb} p[r·rs + s] · v[vb + s·stride + d] for the 4 rows and all d: the register-tiled pieces. */
    static void pv(float[] p, int rs, int nb, float[] v, int vb, int stride, float[] o, int D) {
        int d = 0;
        if (L >= 16) for (; d + 4 * L <= D; d += 4 * L) pv4(p, rs, nb, v, vb + d, stride, o, d, D); // 32 vector registers
        for (; d + 3 * L <= D; d += 3 * L) pv3(p, rs, nb, v, vb + d, stride, o, d, D);
        if (d + 2 * L <= D) {
            pv2(p, rs, nb, v, vb + d, stride, o, d, D);
            d += 2 * L;
        }
        for (; d + L <= D; d += L) pv1(p, rs, nb, v, vb + d, stride, o, d, D);
        if (d < D) pvTail(p, rs, nb, v, vb + d, stride, o, d, D, F.indexInRange(d, D));
    }

    /** sc[r·rs + c + 0..KP) = Σ_d q[qo[r] + d] · kp[kb + d·KP + 0..KP) for the 4 rows: one key panel. */
    static void qk(float[] q, int[] qo, float[] kt, int kb, int D, float[] sc, int c, int rs) {
        int q0 = qo[0], q1 = qo[1], q2 = qo[2], q3 = qo[3];
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int d = 0, ko = kb; d < D; d++, ko += KP) {
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
        a10.intoArray(sc, rs + c);
        a11.intoArray(sc, rs + c + L);
        a20.intoArray(sc, 2 * rs + c);
        a21.intoArray(sc, 2 * rs + c + L);
        a30.intoArray(sc, 3 * rs + c);
        a31.intoArray(sc, 3 * rs + c + L);
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
            FloatVector p = VectorExp.exp(FloatVector.fromArray(F, sc, ro + s).sub(m));
            p.intoArray(sc, ro + s);
            acc = acc.add(p);
        }
        float blockSum = LaneSum.sum(acc);
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

    /**
     * As {@link #pv3} for four vectors of d: 16 accumulators, for CPUs with 32 vector registers (AVX-512), where a
     * 64-wide head then takes one pass over its values instead of a 3-vector pass and a 1-vector pass whose 4
     * accumulators wait on the FMA latency.
     */
    static void pv4(float[] sc, int rs, int nb, float[] v, int vb, int stride, float[] o, int d, int D) {
        int o0 = d, o1 = D + d, o2 = 2 * D + d, o3 = 3 * D + d;
        FloatVector a00 = FloatVector.fromArray(F, o, o0), a01 = FloatVector.fromArray(F, o, o0 + L), a02 = FloatVector.fromArray(F, o, o0 + 2 * L), a03 = FloatVector.fromArray(F, o, o0 + 3 * L);
        FloatVector a10 = FloatVector.fromArray(F, o, o1), a11 = FloatVector.fromArray(F, o, o1 + L), a12 = FloatVector.fromArray(F, o, o1 + 2 * L), a13 = FloatVector.fromArray(F, o, o1 + 3 * L);
        FloatVector a20 = FloatVector.fromArray(F, o, o2), a21 = FloatVector.fromArray(F, o, o2 + L), a22 = FloatVector.fromArray(F, o, o2 + 2 * L), a23 = FloatVector.fromArray(F, o, o2 + 3 * L);
        FloatVector a30 = FloatVector.fromArray(F, o, o3), a31 = FloatVector.fromArray(F, o, o3 + L), a32 = FloatVector.fromArray(F, o, o3 + 2 * L), a33 = FloatVector.fromArray(F, o, o3 + 3 * L);
        for (int s = 0, vo = vb; s < nb; s++, vo += stride) {
            FloatVector v0 = FloatVector.fromArray(F, v, vo), v1 = FloatVector.fromArray(F, v, vo + L);
            FloatVector v2 = FloatVector.fromArray(F, v, vo + 2 * L), v3 = FloatVector.fromArray(F, v, vo + 3 * L);
            FloatVector p = FloatVector.broadcast(F, sc[s]);
            a00 = p.fma(v0, a00);
            a01 = p.fma(v1, a01);
            a02 = p.fma(v2, a02);
            a03 = p.fma(v3, a03);
            p = FloatVector.broadcast(F, sc[rs + s]);
            a10 = p.fma(v0, a10);
            a11 = p.fma(v1, a11);
            a12 = p.fma(v2, a12);
            a13 = p.fma(v3, a13);
            p = FloatVector.broadcast(F, sc[2 * rs + s]);
            a20 = p.fma(v0, a20);
            a21 = p.fma(v1, a21);
            a22 = p.fma(v2, a22);
            a23 = p.fma(v3, a23);
            p = FloatVector.broadcast(F, sc[3 * rs + s]);
            a30 = p.fma(v0, a30);
            a31 = p.fma(v1, a31);
            a32 = p.fma(v2, a32);
            a33 = p.fma(v3, a33);
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

    /** o[r·D + d + 0..3L) += Σ_s sc[r·rs + s] · v[vb + s·stride + 0..3L) for the 4 rows. */
    static void pv3(float[] sc, int rs, int nb, float[] v, int vb, int stride, float[] o, int d, int D) {
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
            p = FloatVector.broadcast(F, sc[rs + s]);
            a10 = p.fma(v0, a10);
            a11 = p.fma(v1, a11);
            a12 = p.fma(v2, a12);
            p = FloatVector.broadcast(F, sc[2 * rs + s]);
            a20 = p.fma(v0, a20);
            a21 = p.fma(v1, a21);
            a22 = p.fma(v2, a22);
            p = FloatVector.broadcast(F, sc[3 * rs + s]);
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
    static void pv2(float[] sc, int rs, int nb, float[] v, int vb, int stride, float[] o, int d, int D) {
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
            p = FloatVector.broadcast(F, sc[rs + s]);
            a10 = p.fma(v0, a10);
            a11 = p.fma(v1, a11);
            p = FloatVector.broadcast(F, sc[2 * rs + s]);
            a20 = p.fma(v0, a20);
            a21 = p.fma(v1, a21);
            p = FloatVector.broadcast(F, sc[3 * rs + s]);
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
    static void pv1(float[] sc, int rs, int nb, float[] v, int vb, int stride, float[] o, int d, int D) {
        FloatVector a0 = FloatVector.fromArray(F, o, d), a1 = FloatVector.fromArray(F, o, D + d);
        FloatVector a2 = FloatVector.fromArray(F, o, 2 * D + d), a3 = FloatVector.fromArray(F, o, 3 * D + d);
        for (int s = 0, vo = vb; s < nb; s++, vo += stride) {
            FloatVector x = FloatVector.fromArray(F, v, vo);
            a0 = FloatVector.broadcast(F, sc[s]).fma(x, a0);
            a1 = FloatVector.broadcast(F, sc[rs + s]).fma(x, a1);
            a2 = FloatVector.broadcast(F, sc[2 * rs + s]).fma(x, a2);
            a3 = FloatVector.broadcast(F, sc[3 * rs + s]).fma(x, a3);
        }
        a0.intoArray(o, d);
        a1.intoArray(o, D + d);
        a2.intoArray(o, 2 * D + d);
        a3.intoArray(o, 3 * D + d);
    }

    /**
     * {@link #pv1} over the last {@code D - d < L} elements of d, masked: SigLIP's heads of 72 with 16 lanes end in 8,
     * which as a scalar loop (a dependent add per key, strided loads) took longer than the 64 vector elements before.
     */
    static void pvTail(float[] sc, int rs, int nb, float[] v, int vb, int stride, float[] o, int d, int D, VectorMask<Float> m) {
        FloatVector a0 = FloatVector.fromArray(F, o, d, m), a1 = FloatVector.fromArray(F, o, D + d, m);
        FloatVector a2 = FloatVector.fromArray(F, o, 2 * D + d, m), a3 = FloatVector.fromArray(F, o, 3 * D + d, m);
        for (int s = 0, vo = vb; s < nb; s++, vo += stride) {
            FloatVector x = FloatVector.fromArray(F, v, vo, m);
            a0 = FloatVector.broadcast(F, sc[s]).fma(x, a0);
            a1 = FloatVector.broadcast(F, sc[rs + s]).fma(x, a1);
            a2 = FloatVector.broadcast(F, sc[2 * rs + s]).fma(x, a2);
            a3 = FloatVector.broadcast(F, sc[3 * rs + s]).fma(x, a3);
        }
        a0.intoArray(o, d, m);
        a1.intoArray(o, D + d, m);
        a2.intoArray(o, 2 * D + d, m);
        a3.intoArray(o, 3 * D + d, m);
    }

    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0, ub = F.loopBound(n);
        float s = 0;
        if (ub > 0) {
            FloatVector acc = FloatVector.zero(F);
            for (; i < ub; i += F.length())
                acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
            s = LaneSum.sum(acc);
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
