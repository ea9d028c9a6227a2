package dev.dycoke4j.llm;

import dev.dycoke4j.kernel.Bf16;
import dev.dycoke4j.kernel.KeyPanels;
import dev.dycoke4j.kernel.KvArrays;
import dev.dycoke4j.kernel.TieredAttention;

import java.util.Arrays;
import java.util.Locale;

/**
 * Keys (after RoPE, at their original positions) and values of every layer, one slot per token: keys in
 * {@link KeyPanels} form (what attention reads without repacking), values as rows {@code v[layer][slot·kvDim + g·headDim + i]}. Layers may hold different numbers of slots: a method that drops
 * tokens from the upper layers at prefill (FastV) leaves those layers shorter. Layer 0 always holds every token, so
 * its length is the number of positions seen. Grows by doubling up to the context length.
 *
 * <p>The cache keeps its entries in float32 or, with {@link Precision#BF16}, in bfloat16 (rounded to nearest even,
 * in {@link Bf16}'s run layout): half the bytes for decode to read at every step, as a model whose weights are BF16
 * computes them in its own dtype. Attention widens them back exactly, in registers.
 *
 * <p>A layer can become <em>tiered</em> ({@link #retier}): its slots then live either in a float32 store or in a
 * compact store ({@link CompactType}), found through a slot → row map, both with keys as rows, and its arrays are no
 * longer indexed by slot ({@link #keyPanels}/{@link #values} refuse; read through {@link #store}, {@link #readKeys}, {@link #readValues}). A
 * tiered layer takes one token at a time.
 */
public final class KvCache {
    /** The encoding of the compact store: int8 with a symmetric scale per (slot, kv head) row of K and of V, or bf16. */
    public enum CompactType { INT8, BF16 }

    /** The dtype of the (plain) cache's entries. */
    public enum Precision {
        F32(Float.BYTES), BF16(Short.BYTES);

        /** Bytes per element. */
        public final int bytes;

        Precision(int bytes) {
            this.bytes = bytes;
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** By id ({@code f32}, {@code bf16}); null when unknown. */
        public static Precision parse(String id) {
            for (Precision p : values()) if (p.id().equals(id)) return p;
            return null;
        }
    }

    private final int layers, kvDim, kvHeads, headDim, maxTokens;
    private final Precision precision;
    private final float[][] k, v;
    private final short[][] kh, vh;
    private final int[] length;
    private final KvTier[] tiers;

    /** A cache with one kv head of {@code kvDim} (the compact store then keeps one int8 scale per row). */
    public KvCache(int layers, int kvDim, int maxTokens, int initialTokens) {
        this(layers, 1, kvDim, maxTokens, initialTokens);
    }

    public KvCache(int layers, int kvHeads, int headDim, int maxTokens, int initialTokens) {
        this(layers, kvHeads, headDim, maxTokens, initialTokens, Precision.F32);
    }

    public KvCache(int layers, int kvHeads, int headDim, int maxTokens, int initialTokens, Precision precision) {
        this.layers = layers;
        this.precision = precision;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.kvDim = kvHeads * headDim;
        this.maxTokens = maxTokens;
        int cap = Math.max(1, Math.min(maxTokens, initialTokens));
        boolean half = precision == Precision.BF16;
        k = half ? null : new float[layers][KeyPanels.floats(cap, kvHeads, headDim)];
        v = half ? null : new float[layers][cap * kvDim];
        kh = half ? new short[layers][KeyPanels.floats(cap, kvHeads, headDim)] : null;
        vh = half ? new short[layers][cap * kvDim] : null;
        length = new int[layers];
        tiers = new KvTier[layers];
    }

    /** Positions seen (the slots of layer 0). */
    public int length() {
        return length[0];
    }

    /** Slots filled in {@code layer}. */
    public int length(int layer) {
        return length[layer];
    }

    public int layers() {
        return layers;
    }

    public int maxTokens() {
        return maxTokens;
    }

    public int kvDim() {
        return kvDim;
    }

    public int kvHeads() {
        return kvHeads;
    }

    public int headDim() {
        return headDim;
    }

    public Precision precision() {
        return precision;
    }

    /** Slots a plain layer's arrays hold. */
    private int capacity(int layer) {
        return (vh != null ? vh[layer].length : v[layer].length) / kvDim;
    }

    /** Makes room in {@code layer} for {@code n} more slots. */
    public void reserve(int layer, int n) {
        int need = length[layer] + n;
        if (need > maxTokens) throw new IllegalStateException("context full: " + need + " tokens > " + maxTokens);
        if (tiers[layer] != null) {
            if (n > 1) throw new IllegalStateException("layer " + layer + " keeps a tiered (compact) KV store and takes one token at a time; got "
                    + n + " (run the whole prompt before any slot is moved to the compact store)");
            tiers[layer].reserve(length[layer], n);
            return;
        }
        int cap = capacity(layer);
        if (need <= cap) return;
        int grown = Math.min(maxTokens, Math.max(need, cap * 2));
        int panels = KeyPanels.floats(grown, kvHeads, headDim);
        if (vh != null) {
            kh[layer] = Arrays.copyOf(kh[layer], panels); // panels stay where they are
            vh[layer] = Arrays.copyOf(vh[layer], grown * kvDim);
        } else {
            k[layer] = Arrays.copyOf(k[layer], panels);
            v[layer] = Arrays.copyOf(v[layer], grown * kvDim);
        }
    }

    /** Keys of a plain float32 layer, as {@link KeyPanels} of slots. */
    public float[] keyPanels(int layer) {
        checkF32(layer);
        return k[layer];
    }

    /** Values of a plain float32 layer, indexed by slot. */
    public float[] values(int layer) {
        checkF32(layer);
        return v[layer];
    }

    /** The arrays of a plain layer, float32 or bfloat16, as attention reads them. */
    public KvArrays arrays(int layer) {
        checkPlain(layer);
        return vh != null ? KvArrays.bf16(kh[layer], vh[layer]) : KvArrays.f32(k[layer], v[layer]);
    }

    private void checkF32(int layer) {
        checkPlain(layer);
        if (vh != null) throw new IllegalStateException("the cache keeps bf16 entries: read arrays()");
    }

    private void checkPlain(int layer) {
        if (tiers[layer] != null) throw new IllegalStateException("layer " + layer + " is tiered: its rows are not its slots; use store()");
    }

    /** Whether {@code layer} keeps a float and a compact store (see {@link #retier}). */
    public boolean tiered(int layer) {
        return tiers[layer] != null;
    }

    /** The storage of a tiered {@code layer}, for attention (a plain layer's is {@link #keyPanels} and {@link #values}). */
    public TieredAttention.Store store(int layer) {
        if (tiers[layer] == null) throw new IllegalStateException("layer " + layer + " is plain: read keyPanels() and values()");
        return tiers[layer].store();
    }

    /** Writes the keys and values ({@code kvDim} floats each) of a reserved slot. */
    public void put(int layer, int slot, float[] ks, int ko, float[] vs, int vo) {
        if (tiers[layer] != null) {
            int row = tiers[layer].floatRow(slot);
            System.arraycopy(ks, ko, tiers[layer].fk, row * kvDim, kvDim);
            System.arraycopy(vs, vo, tiers[layer].fv, row * kvDim, kvDim);
        } else {
            put(layer, slot, 1, ks, ko, vs, vo);
        }
    }

    /** Writes the keys and values of {@code n} reserved slots of a plain layer from {@code slot0} on: rows of {@code kvDim}. */
    public void put(int layer, int slot0, int n, float[] ks, int ko, float[] vs, int vo) {
        checkPlain(layer);
        if (slot0 < 0 || slot0 + n > capacity(layer)) throw new IndexOutOfBoundsException("slots " + slot0 + "+" + n + " are not reserved in layer " + layer);
        if (vh != null) {
            KeyPanels.put(kh[layer], kvHeads, headDim, slot0, n, ks, ko, kvDim);
            short[] dst = vh[layer];
            for (int t = 0; t < n; t++)
                for (int g = 0; g < kvHeads; g++)
                    Bf16.putRow(vs, vo + t * kvDim + g * headDim, dst, (slot0 + t) * kvDim + g * headDim, headDim);
        } else {
            KeyPanels.put(k[layer], kvHeads, headDim, slot0, n, ks, ko, kvDim);
            System.arraycopy(vs, vo, v[layer], slot0 * kvDim, n * kvDim);
        }
    }

    /** The keys of a slot as float32 ({@code kvDim} into {@code out[off..]}), dequantized if it is in the compact store. */
    public void readKeys(int layer, int slot, float[] out, int off) {
        read(layer, slot, true, out, off);
    }

    public void readValues(int layer, int slot, float[] out, int off) {
        read(layer, slot, false, out, off);
    }

    private void read(int layer, int slot, boolean keys, float[] out, int off) {
        if (slot < 0 || slot >= length[layer]) throw new IndexOutOfBoundsException("slot " + slot + " of " + length[layer] + " in layer " + layer);
        if (tiers[layer] != null) tiers[layer].read(slot, keys, out, off);
        else if (vh != null && keys) KeyPanels.get(kh[layer], kvHeads, headDim, slot, out, off);
        else if (vh != null) for (int g = 0; g < kvHeads; g++) Bf16.getRow(vh[layer], slot * kvDim + g * headDim, out, off + g * headDim, headDim);
        else if (keys) KeyPanels.get(k[layer], kvHeads, headDim, slot, out, off);
        else System.arraycopy(v[layer], slot * kvDim, out, off, kvDim);
    }

    /** The keys of the first {@code n} slots of a plain layer, as float32 rows of {@code kvDim}. */
    public float[] keyRows(int layer, int n) {
        return rows(layer, n, n, true);
    }

    /** The values of the first {@code n} slots of a plain layer, as float32 rows of {@code kvDim}. */
    public float[] valueRows(int layer, int n) {
        return rows(layer, n, n, false);
    }

    /** The first {@code n} slots of a plain layer as float32 rows, in an array of {@code capacity} rows (at least n). */
    private float[] rows(int layer, int n, int capacity, boolean keys) {
        checkPlain(layer);
        if (n < 0 || n > length[layer]) throw new IndexOutOfBoundsException(n + " slots of " + length[layer] + " in layer " + layer);
        if (vh == null) return keys ? KeyPanels.toRows(k[layer], n, capacity, kvHeads, headDim) : Arrays.copyOf(v[layer], capacity * kvDim);
        if (keys) return KeyPanels.toRows(kh[layer], n, capacity, kvHeads, headDim);
        float[] rows = new float[capacity * kvDim];
        for (int s = 0; s < n; s++) read(layer, s, false, rows, s * kvDim);
        return rows;
    }

    /** Marks {@code n} reserved slots of {@code layer} as filled. */
    public void advance(int layer, int n) {
        length[layer] += n;
    }

    /** Rolls every layer back to {@code n} slots (for reusing a prefix); all layers must be at least that long. */
    public void truncate(int n) {
        for (int l = 0; l < layers; l++)
            if (n < 0 || n > length[l]) throw new IllegalArgumentException("cannot truncate layer " + l + " of " + length[l] + " slots to " + n);
        for (KvTier t : tiers) if (t != null) t.truncate(n);
        Arrays.fill(length, n);
    }

    /**
     * Moves entries of layers {@code fromLayer} and above between the two stores: every slot of the span
     * {@code [spanStart, spanStart+spanCount)} that is not in {@code active} goes to the compact store (quantized), and
     * every compact one in {@code active} is recalled (dequantized into the float store). Slots outside the span stay
     * where they are. A layer becomes tiered, with {@code type}, at its first retier; the stores are repacked when they
     * waste more than a quarter of their rows. Nothing moves when {@code active} is null.
     */
    public void retier(int fromLayer, int spanStart, int spanCount, int[] active, CompactType type) {
        if (active == null) return;
        if (fromLayer < 0 || fromLayer >= layers) throw new IllegalArgumentException("layer " + fromLayer + " is outside 0.." + (layers - 1));
        if (spanStart < 0 || spanCount < 0) throw new IllegalArgumentException("bad span " + spanStart + " + " + spanCount);
        boolean[] keep = new boolean[spanCount];
        for (int s : active) if (s >= spanStart && s < spanStart + spanCount) keep[s - spanStart] = true;
        for (int l = fromLayer; l < layers; l++) {
            if (spanStart + spanCount > length[l])
                throw new IllegalStateException("layer " + l + " holds " + length[l] + " slots, fewer than the span's end " + (spanStart + spanCount));
            KvTier t = tiers[l];
            if (t == null) {
                // the tiers keep float32 rows: a bf16 layer is widened once; a float32 layer's values move as they are
                int cap = capacity(l);
                float[] keyRows = rows(l, length[l], cap, true), valueRows = vh != null ? rows(l, length[l], cap, false) : v[l];
                if (vh != null) kh[l] = vh[l] = null;
                else k[l] = v[l] = null;
                t = tiers[l] = new KvTier(type, kvDim, kvHeads, keyRows, valueRows, length[l]);
            } else if (t.type != type) {
                throw new IllegalArgumentException("layer " + l + " already keeps " + t.type + " compact rows, not " + type);
            }
            int[] demote = new int[spanCount], recall = new int[spanCount];
            int nd = 0, nr = 0;
            for (int i = 0; i < spanCount; i++) {
                boolean compact = t.isCompact(spanStart + i);
                if (keep[i] && compact) recall[nr++] = spanStart + i;
                else if (!keep[i] && !compact) demote[nd++] = spanStart + i;
            }
            // interleaved, so that each recall reuses the float row the demotion before it freed, and each demotion the
            // compact row the recall before it freed: a swap of selections grows neither store
            for (int i = 0; i < Math.max(nd, nr); i++) {
                if (i < nd) t.demote(demote[i]);
                if (i < nr) t.recall(recall[i]);
            }
            t.maybeRepack();
        }
    }

    /** The two stores of a tiered layer, or null (for tests). */
    KvTier tier(int layer) {
        return tiers[layer];
    }

    /** Whether a slot of {@code layer} is in the compact store. */
    public boolean isCompact(int layer, int slot) {
        return tiers[layer] != null && tiers[layer].isCompact(slot);
    }

    /** Slots of {@code layer} in the compact store. */
    public int compactSlots(int layer) {
        return tiers[layer] == null ? 0 : tiers[layer].compactRows();
    }

    /** Bytes of the live active rows (float32, or bfloat16 in a plain bf16 cache): keys and values of every layer. */
    public long bytes() {
        long b = 0;
        for (int l = 0; l < layers; l++) b += tiers[l] != null ? tiers[l].floatBytes() : 2L * length[l] * kvDim * precision.bytes;
        return b;
    }

    /** Bytes of the live compact (pruned) rows: keys and values, with their int8 scales. */
    public long prunedBytes() {
        long b = 0;
        for (KvTier t : tiers) if (t != null) b += t.compactBytes();
        return b;
    }

    /** Bytes of every array the cache holds, used or spare (what the heap really keeps). */
    public long capacityBytes() {
        long b = 0;
        for (int l = 0; l < layers; l++)
            b += tiers[l] != null ? tiers[l].capacityBytes()
                    : vh != null ? ((long) kh[l].length + vh[l].length) * Short.BYTES : ((long) k[l].length + v[l].length) * Float.BYTES;
        return b;
    }
}
