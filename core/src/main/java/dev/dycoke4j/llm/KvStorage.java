package dev.dycoke4j.llm;

/**
 * The keys and values of one layer of a {@link KvCache}, one slot per token, in one storage format, with the
 * attention kernel that reads that format in place. Keys are cached after RoPE, at their original positions.
 *
 * <ul>
 *   <li>{@link F32KvStorage}: float32 keys in {@link dev.dycoke4j.kernel.KeyPanels} and value rows.</li>
 *   <li>{@link Bf16KvStorage}: the same layout in bfloat16, widened exactly in registers by attention.</li>
 *   <li>{@link TieredKvStorage}: float32 rows for the slots attention reads, and compact (int8 or bf16) rows for those
 *   DyCoke's dynamic pruning moved out, found through a slot → row map. A layer becomes tiered at its first
 *   {@link KvCache#retier}.</li>
 * </ul>
 *
 * Slots are reserved, written and then counted ({@link KvCache#reserve}, {@link KvCache#put}, {@link KvCache#advance}),
 * so that a layer's attention can read the new tokens' own keys before they are counted.
 */
public abstract sealed class KvStorage permits PanelKvStorage, TieredKvStorage {
    /** This layer's index in its cache (for messages). */
    final int layer;
    final int kvHeads, headDim, kvDim;
    int length;

    KvStorage(int layer, int kvHeads, int headDim, int length) {
        this.layer = layer;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.kvDim = kvHeads * headDim;
        this.length = length;
    }

    /** A plain layer in {@code precision} with room for {@code slots} slots at first. */
    static KvStorage plain(KvCache.Precision precision, int layer, int kvHeads, int headDim, int slots) {
        return switch (precision) {
            case F32 -> new F32KvStorage(layer, kvHeads, headDim, slots);
            case BF16 -> new Bf16KvStorage(layer, kvHeads, headDim, slots);
        };
    }

    /** Slots filled. */
    public int length() {
        return length;
    }

    /** Makes room for {@code n} more slots, growing to at most {@code maxTokens} (which the cache has checked). */
    abstract void reserve(int n, int maxTokens);

    /** Writes the keys and values ({@code kvDim} floats per slot, row after row) of {@code n} reserved slots from {@code slot0} on. */
    abstract void put(int slot0, int n, float[] ks, int ko, float[] vs, int vo);

    /** Counts {@code n} written slots as filled. */
    void advance(int n) {
        length += n;
    }

    /** Drops every slot from {@code n} on ({@code n} at most the length). */
    abstract void truncate(int n);

    /** The keys of a filled slot as float32: {@code kvDim} floats into {@code out[off..]} (decoded if stored compact). */
    public abstract void readKeys(int slot, float[] out, int off);

    /** The values of a filled slot, as {@link #readKeys}. */
    public abstract void readValues(int slot, float[] out, int off);

    /** The keys of the first {@code n} slots as float32 rows of {@code kvDim}. */
    public float[] keyRows(int n) {
        float[] rows = new float[checkRows(n) * kvDim];
        for (int s = 0; s < n; s++) readKeys(s, rows, s * kvDim);
        return rows;
    }

    /** The values of the first {@code n} slots as float32 rows of {@code kvDim}. */
    public float[] valueRows(int n) {
        float[] rows = new float[checkRows(n) * kvDim];
        for (int s = 0; s < n; s++) readValues(s, rows, s * kvDim);
        return rows;
    }

    int checkRows(int n) {
        if (n < 0 || n > length) throw new IndexOutOfBoundsException(n + " slots of " + length + " in layer " + layer);
        return n;
    }

    void checkSlot(int slot) {
        if (slot < 0 || slot >= length) throw new IndexOutOfBoundsException("slot " + slot + " of " + length + " in layer " + layer);
    }

    /**
     * Causal attention of {@code T} new tokens, whose keys and values are in slots {@code [slot0, slot0+T)} (written,
     * not yet counted), over slots {@code [0, slot0+T)}: {@code q [T·H·D]} (after RoPE) into {@code out [T·H·D]}. For a
     * single token, {@code active} restricts the slots attended (ascending; null: all). If {@code probs} is not null
     * it receives the last token's attention probabilities over the slots, averaged over query heads.
     */
    public abstract void attend(float[] q, int T, int slot0, int H, float scale, int[] active, float[] out, float[] probs);

    /** Bytes of the live rows attention reads in full: keys and values. */
    public abstract long bytes();

    /** Bytes of the live compact (pruned) rows, with their scales; 0 unless tiered. */
    public long compactBytes() {
        return 0;
    }

    /** Bytes of every array held, used or spare (what the heap really keeps). */
    public abstract long capacityBytes();

    /** Whether a slot is in a compact store. */
    public boolean isCompact(int slot) {
        return false;
    }

    /** Slots in a compact store. */
    public int compactSlots() {
        return 0;
    }

    /**
     * This layer as a tiered storage whose compact rows are {@code type}: a plain layer hands its entries over as
     * float32 rows (a bf16 layer widened, exactly); a tiered one returns itself if it keeps that type.
     */
    abstract TieredKvStorage tiered(KvCache.CompactType type);
}
