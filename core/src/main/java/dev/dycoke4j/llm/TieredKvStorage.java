package dev.dycoke4j.llm;

import dev.dycoke4j.kernel.KvCodec;
import dev.dycoke4j.kernel.TieredAttention;

import java.util.Arrays;

/**
 * A layer whose slots live in two stores, both with keys as rows: float32 rows, which attention reads in full, and
 * compact rows ({@link KvCache.CompactType}: int8 with a scale per (row, kv head) for K and for V, or bf16), which
 * attention widens in place and DyCoke's dynamic pruning leaves out of its selections. A slot → row map finds each
 * slot; freed rows of either store are reused, and a store is repacked (copied into arrays of the live size plus a
 * little headroom) once its unused rows exceed a quarter of its capacity, so that moving entries to the compact store
 * really releases memory. Its attention is {@link TieredAttention#decode}, one token at a time: the whole prompt runs
 * before any slot moves to the compact store.
 */
public final class TieredKvStorage extends KvStorage {
    /** A slot without a row. Compact rows are stored as {@code ~row}, so any value below 0 but this one. */
    static final int UNSET = Integer.MIN_VALUE;

    final KvCache.CompactType type;
    /** slot → float row (≥ 0) or ~compact row. */
    int[] rowOf;
    /** Float store. */
    float[] fk, fv;
    private int fHigh, fLive;
    private int[] fFree = new int[8];
    private int fFreeN;
    /** Compact store: int8 rows and scales, or bf16 rows. */
    byte[] ck8, cv8;
    float[] cks, cvs;
    short[] ck16, cv16;
    private int cHigh, cLive, cCap;
    private int[] cFree = new int[8];
    private int cFreeN;
    private int repacks;

    /** Takes over a plain layer's entries as float32 rows (slot = row) with {@code length} slots filled. */
    TieredKvStorage(int layer, KvCache.CompactType type, int kvHeads, int headDim, float[] k, float[] v, int length) {
        super(layer, kvHeads, headDim, length);
        this.type = type;
        this.fk = k;
        this.fv = v;
        int cap = k.length / kvDim;
        rowOf = new int[Math.max(cap, length)];
        Arrays.fill(rowOf, UNSET);
        for (int s = 0; s < length; s++) rowOf[s] = s;
        fHigh = fLive = length;
        allocateCompact(0);
    }

    /** Spare rows kept after a repack and added when a full store grows. */
    static int headroom(int live) {
        return Math.max(4, live / 8);
    }

    int floatRows() {
        return fLive;
    }

    int repacks() {
        return repacks;
    }

    int floatCapacity() {
        return fk.length / kvDim;
    }

    int compactCapacity() {
        return cCap;
    }

    /** Bytes of the live float rows. */
    @Override
    public long bytes() {
        return 2L * fLive * kvDim * Float.BYTES;
    }

    /** Bytes of one compact row: K and V, with their scales for int8. */
    long compactRowBytes() {
        return KvCache.compactRowBytes(type, kvHeads, kvDim / kvHeads);
    }

    @Override
    public long compactBytes() {
        return cLive * compactRowBytes();
    }

    /** Bytes of the arrays held, used or not: both stores and the slot map. */
    @Override
    public long capacityBytes() {
        return 2L * fk.length * Float.BYTES + (long) cCap * compactRowBytes() + (long) rowOf.length * Integer.BYTES;
    }

    @Override
    public boolean isCompact(int slot) {
        return rowOf[slot] < 0 && rowOf[slot] != UNSET;
    }

    @Override
    public int compactSlots() {
        return cLive;
    }

    /** The compact rows' encoding. */
    public KvCache.CompactType type() {
        return type;
    }

    TieredAttention.Store store() {
        return new TieredAttention.Store(kvDim, kvHeads, fk, fv, rowOf, ck8, cv8, cks, cvs, ck16, cv16);
    }

    // ---- slots

    /** Gives the next slot a float row; one at a time, as the compact store exists only after the prompt ran. */
    @Override
    void reserve(int n, int maxTokens) {
        if (n > 1) throw new IllegalStateException("layer " + layer + " keeps a tiered (compact) KV store and takes one token at a time; got "
                + n + " (run the whole prompt before any slot is moved to the compact store)");
        int from = length;
        if (from + n > rowOf.length) {
            int grown = Math.max(from + n, rowOf.length + headroom(rowOf.length));
            int old = rowOf.length;
            rowOf = Arrays.copyOf(rowOf, grown);
            Arrays.fill(rowOf, old, grown, UNSET);
        }
        for (int s = from; s < from + n; s++) if (rowOf[s] == UNSET) rowOf[s] = newFloatRow();
    }

    /** The float row of a slot (which must not be compact). */
    int floatRow(int slot) {
        int r = rowOf[slot];
        if (r < 0) throw new IllegalStateException("slot " + slot + " is " + (r == UNSET ? "not reserved" : "in the compact store"));
        return r;
    }

    @Override
    void put(int slot0, int n, float[] ks, int ko, float[] vs, int vo) {
        for (int t = 0; t < n; t++) {
            int row = floatRow(slot0 + t);
            System.arraycopy(ks, ko + t * kvDim, fk, row * kvDim, kvDim);
            System.arraycopy(vs, vo + t * kvDim, fv, row * kvDim, kvDim);
        }
    }

    /** Frees the rows of every slot from {@code n} on. */
    @Override
    void truncate(int n) {
        for (int s = n; s < rowOf.length; s++) {
            int r = rowOf[s];
            if (r == UNSET) continue;
            if (r >= 0) freeFloat(r);
            else freeCompact(~r);
            rowOf[s] = UNSET;
        }
        length = n;
        maybeRepack();
    }

    /** Moves a float slot to the compact store. */
    void demote(int slot) {
        int r = floatRow(slot), c = newCompactRow();
        int D = headDim;
        for (int g = 0; g < kvHeads; g++) {
            int src = r * kvDim + g * D, dst = c * kvDim + g * D;
            if (type == KvCache.CompactType.INT8) {
                cks[c * kvHeads + g] = KvCodec.quantizeInt8(fk, src, ck8, dst, D);
                cvs[c * kvHeads + g] = KvCodec.quantizeInt8(fv, src, cv8, dst, D);
            } else {
                KvCodec.encodeBf16(fk, src, ck16, dst, D);
                KvCodec.encodeBf16(fv, src, cv16, dst, D);
            }
        }
        freeFloat(r);
        rowOf[slot] = ~c;
    }

    /** Moves a compact slot back to the float store, dequantized. */
    void recall(int slot) {
        if (!isCompact(slot)) throw new IllegalStateException("slot " + slot + " is not in the compact store");
        int c = ~rowOf[slot], r = newFloatRow();
        decode(c, fk, fv, r * kvDim);
        freeCompact(c);
        rowOf[slot] = r;
    }

    @Override
    public void readKeys(int slot, float[] out, int off) {
        read(slot, true, out, off);
    }

    @Override
    public void readValues(int slot, float[] out, int off) {
        read(slot, false, out, off);
    }

    /** Keys (or values) of a slot, in whichever store: {@code kvDim} floats into {@code out[off..]}. */
    private void read(int slot, boolean keys, float[] out, int off) {
        checkSlot(slot);
        int r = rowOf[slot];
        if (r == UNSET) throw new IllegalStateException("slot " + slot + " is not reserved");
        if (r >= 0) {
            System.arraycopy(keys ? fk : fv, r * kvDim, out, off, kvDim);
            return;
        }
        int c = ~r;
        for (int g = 0; g < kvHeads; g++) {
            int src = c * kvDim + g * headDim, dst = off + g * headDim;
            if (type == KvCache.CompactType.INT8)
                KvCodec.dequantizeInt8(keys ? ck8 : cv8, src, (keys ? cks : cvs)[c * kvHeads + g], out, dst, headDim);
            else KvCodec.decodeBf16(keys ? ck16 : cv16, src, out, dst, headDim);
        }
    }

    private void decode(int c, float[] k, float[] v, int off) {
        for (int g = 0; g < kvHeads; g++) {
            int src = c * kvDim + g * headDim, dst = off + g * headDim;
            if (type == KvCache.CompactType.INT8) {
                KvCodec.dequantizeInt8(ck8, src, cks[c * kvHeads + g], k, dst, headDim);
                KvCodec.dequantizeInt8(cv8, src, cvs[c * kvHeads + g], v, dst, headDim);
            } else {
                KvCodec.decodeBf16(ck16, src, k, dst, headDim);
                KvCodec.decodeBf16(cv16, src, v, dst, headDim);
            }
        }
    }

    /** One token only (see {@link #reserve}): the float rows read as they are, compact ones widened in place. */
    @Override
    public void attend(float[] q, int T, int slot0, int H, float scale, int[] active, float[] out, float[] probs) {
        if (T != 1) throw new IllegalStateException("layer " + layer + " keeps a tiered (compact) KV store and attends for one token at a time; got " + T);
        TieredAttention.decode(q, store(), H, headDim, slot0 + 1, active, scale, out, probs);
    }

    @Override
    TieredKvStorage tiered(KvCache.CompactType type) {
        if (type != this.type) throw new IllegalArgumentException("layer " + layer + " already keeps " + this.type + " compact rows, not " + type);
        return this;
    }

    /**
     * Moves the slots of the span {@code [spanStart, spanStart+keep.length)} between the stores: those not kept go to
     * the compact store, compact ones kept are recalled; then repacks a store that wastes too much.
     */
    void retier(int spanStart, boolean[] keep) {
        int spanCount = keep.length;
        int[] demote = new int[spanCount], recall = new int[spanCount];
        int nd = 0, nr = 0;
        for (int i = 0; i < spanCount; i++) {
            boolean compact = isCompact(spanStart + i);
            if (keep[i] && compact) recall[nr++] = spanStart + i;
            else if (!keep[i] && !compact) demote[nd++] = spanStart + i;
        }
        // interleaved, so that each recall reuses the float row the demotion before it freed, and each demotion the
        // compact row the recall before it freed: a swap of selections grows neither store
        for (int i = 0; i < Math.max(nd, nr); i++) {
            if (i < nd) demote(demote[i]);
            if (i < nr) recall(recall[i]);
        }
        maybeRepack();
    }

    // ---- rows

    private int newFloatRow() {
        fLive++;
        if (fFreeN > 0) return fFree[--fFreeN];
        int cap = fk.length / kvDim;
        if (fHigh == cap) {
            int grown = cap + headroom(fLive);
            fk = Arrays.copyOf(fk, grown * kvDim);
            fv = Arrays.copyOf(fv, grown * kvDim);
        }
        return fHigh++;
    }

    private void freeFloat(int r) {
        fLive--;
        if (fFreeN == fFree.length) fFree = Arrays.copyOf(fFree, fFree.length * 2);
        fFree[fFreeN++] = r;
    }

    private int newCompactRow() {
        cLive++;
        if (cFreeN > 0) return cFree[--cFreeN];
        if (cHigh == cCap) resizeCompact(cCap + headroom(cLive));
        return cHigh++;
    }

    private void freeCompact(int c) {
        cLive--;
        if (cFreeN == cFree.length) cFree = Arrays.copyOf(cFree, cFree.length * 2);
        cFree[cFreeN++] = c;
    }

    private void allocateCompact(int rows) {
        cCap = rows;
        if (type == KvCache.CompactType.INT8) {
            ck8 = new byte[rows * kvDim];
            cv8 = new byte[rows * kvDim];
            cks = new float[rows * kvHeads];
            cvs = new float[rows * kvHeads];
        } else {
            ck16 = new short[rows * kvDim];
            cv16 = new short[rows * kvDim];
        }
    }

    private void resizeCompact(int rows) {
        cCap = rows;
        if (type == KvCache.CompactType.INT8) {
            ck8 = Arrays.copyOf(ck8, rows * kvDim);
            cv8 = Arrays.copyOf(cv8, rows * kvDim);
            cks = Arrays.copyOf(cks, rows * kvHeads);
            cvs = Arrays.copyOf(cvs, rows * kvHeads);
        } else {
            ck16 = Arrays.copyOf(ck16, rows * kvDim);
            cv16 = Arrays.copyOf(cv16, rows * kvDim);
        }
    }

    /** Whether a store of {@code cap} rows with {@code live} in use wastes enough to repack. */
    static boolean wasteful(int cap, int live) {
        int unused = cap - live;
        return unused > Math.max(headroom(live), cap / 4);
    }

    /** Repacks either store when its unused rows (holes and spare capacity) exceed a quarter and the headroom. */
    void maybeRepack() {
        if (wasteful(fk.length / kvDim, fLive)) repackFloat();
        if (wasteful(cCap, cLive)) repackCompact();
    }

    /** Copies the live float rows, in slot order, into arrays of the live size plus headroom. */
    void repackFloat() {
        int cap = fLive + headroom(fLive), next = 0;
        float[] k = new float[cap * kvDim], v = new float[cap * kvDim];
        for (int s = 0; s < rowOf.length; s++) {
            int r = rowOf[s];
            if (r < 0) continue;
            System.arraycopy(fk, r * kvDim, k, next * kvDim, kvDim);
            System.arraycopy(fv, r * kvDim, v, next * kvDim, kvDim);
            rowOf[s] = next++;
        }
        if (next != fLive) throw new IllegalStateException("float rows: " + next + " mapped, " + fLive + " counted");
        fk = k;
        fv = v;
        fHigh = next;
        fFreeN = 0;
        repacks++;
    }

    /** Copies the live compact rows (and scales), in slot order, into arrays of the live size plus headroom. */
    void repackCompact() {
        byte[] ok8 = ck8, ov8 = cv8;
        float[] oks = cks, ovs = cvs;
        short[] ok16 = ck16, ov16 = cv16;
        allocateCompact(cLive + headroom(cLive));
        int next = 0;
        for (int s = 0; s < rowOf.length; s++) {
            int r = rowOf[s];
            if (r >= 0 || r == UNSET) continue;
            int c = ~r;
            if (type == KvCache.CompactType.INT8) {
                System.arraycopy(ok8, c * kvDim, ck8, next * kvDim, kvDim);
                System.arraycopy(ov8, c * kvDim, cv8, next * kvDim, kvDim);
                System.arraycopy(oks, c * kvHeads, cks, next * kvHeads, kvHeads);
                System.arraycopy(ovs, c * kvHeads, cvs, next * kvHeads, kvHeads);
            } else {
                System.arraycopy(ok16, c * kvDim, ck16, next * kvDim, kvDim);
                System.arraycopy(ov16, c * kvDim, cv16, next * kvDim, kvDim);
            }
            rowOf[s] = ~next++;
        }
        if (next != cLive) throw new IllegalStateException("compact rows: " + next + " mapped, " + cLive + " counted");
        cHigh = next;
        cFreeN = 0;
        repacks++;
    }
}
