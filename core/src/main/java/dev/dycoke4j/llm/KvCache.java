package dev.dycoke4j.llm;

import java.util.Arrays;
import java.util.Locale;

/**
 * Keys (after RoPE, at their original positions) and values of every layer, one slot per token, each layer in its
 * {@link KvStorage}. Layers may hold different numbers of slots: a method that drops tokens from the upper layers at
 * prefill (FastV) leaves those layers shorter, and the cache records which tokens each layer lacks ({@link #omit}), so
 * that a slot can be mapped to its token and back ({@link #tokenOf}, {@link #slotOf}). A token is its slot in layer 0,
 * which always holds every token, so its length is the number of positions seen. Plain layers grow by doubling up to
 * the context length.
 *
 * <p>The storage format is one setting, {@link Precision}: every layer starts as float32 ({@link F32KvStorage}) or
 * bfloat16 ({@link Bf16KvStorage}). A second setting, the {@link CompactType} of DyCoke's compact store, reaches only
 * the layers {@link #retier} makes tiered ({@link TieredKvStorage}: float32 rows plus compact rows, through a slot →
 * row map), which then take one token at a time.
 */
public final class KvCache {
    /** The encoding of the compact store: int8 with a symmetric scale per (slot, kv head) row of K and of V, or bf16. */
    public enum CompactType { INT8, BF16 }

    /** Bytes of one position's compact keys and values in one layer: int8 with a float scale per kv head for each, or bf16. */
    public static long compactRowBytes(CompactType type, int kvHeads, int headDim) {
        long kvDim = (long) kvHeads * headDim;
        return type == CompactType.INT8 ? 2L * (kvDim + (long) kvHeads * Float.BYTES) : 2L * kvDim * Short.BYTES;
    }

    /** The format of plain layers' entries: float32 or bfloat16. */
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

    private final int layers, kvHeads, headDim, kvDim, maxTokens;
    private final Precision precision;
    private final KvStorage[] storages;
    /** Per layer, the tokens it does not hold, ascending; null when it holds every token. */
    private final int[][] omitted;
    /** The next token's rotary position minus {@link #length()}: 0 for 1D text; Qwen2.5-VL's rope delta after a video. */
    private int positionDelta;

    /** A float32 cache with one kv head of {@code kvDim} (the compact store then keeps one int8 scale per row). */
    public KvCache(int layers, int kvDim, int maxTokens, int initialTokens) {
        this(layers, 1, kvDim, maxTokens, initialTokens);
    }

    public KvCache(int layers, int kvHeads, int headDim, int maxTokens, int initialTokens) {
        this(layers, kvHeads, headDim, maxTokens, initialTokens, Precision.F32);
    }

    /** Layers in {@code precision}, each with room for {@code initialTokens} slots (at least 1, at most {@code maxTokens}) at first. */
    public KvCache(int layers, int kvHeads, int headDim, int maxTokens, int initialTokens, Precision precision) {
        this.layers = layers;
        this.precision = precision;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.kvDim = kvHeads * headDim;
        this.maxTokens = maxTokens;
        int cap = Math.max(1, Math.min(maxTokens, initialTokens));
        storages = new KvStorage[layers];
        omitted = new int[layers][];
        for (int l = 0; l < layers; l++) storages[l] = KvStorage.plain(precision, l, kvHeads, headDim, cap);
    }

    /**
     * Records that {@code layer} does not hold {@code tokens} (ascending, past the tokens it holds so far): a prefill hook
     * dropped them before that layer, so its next slots hold the tokens after them. Layer 0 holds every token.
     */
    public void omit(int layer, int[] tokens) {
        if (tokens.length == 0) return;
        if (layer < 1 || layer >= layers) throw new IllegalArgumentException("tokens can be omitted from layers 1.." + (layers - 1) + ", not " + layer);
        int[] had = omitted[layer] == null ? new int[0] : omitted[layer];
        int last = had.length == 0 ? -1 : had[had.length - 1];
        for (int t : tokens) {
            if (t <= last || t < tokenOf(layer, storages[layer].length()))
                throw new IllegalArgumentException("layer " + layer + " cannot omit token " + t + ": tokens omitted must be ascending and not yet in the layer");
            last = t;
        }
        int[] all = Arrays.copyOf(had, had.length + tokens.length);
        System.arraycopy(tokens, 0, all, had.length, tokens.length);
        omitted[layer] = all;
    }

    /** Whether {@code layer} holds every token (no prefill hook dropped any before it). */
    public boolean holdsEvery(int layer) {
        return omitted[layer] == null;
    }

    /** Whether two layers hold the same tokens. */
    public boolean sameTokens(int a, int b) {
        return Arrays.equals(omitted[a], omitted[b]);
    }

    /** The token (layer-0 slot) that {@code slot} of {@code layer} holds, or would hold when written next. */
    public int tokenOf(int layer, int slot) {
        int[] o = omitted[layer];
        if (o == null) return slot;
        // the token is slot + k, k the omitted tokens before it: the least k with o[k] - k > slot (o[k] - k never falls)
        int lo = 0, hi = o.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (o[mid] - mid > slot) hi = mid;
            else lo = mid + 1;
        }
        return slot + lo;
    }

    /** The slot of {@code layer} that holds {@code token}, or -1 when the layer does not hold it. */
    public int slotOf(int layer, int token) {
        int[] o = omitted[layer];
        if (o == null) return token;
        int i = Arrays.binarySearch(o, token);
        return i >= 0 ? -1 : token + i + 1;
    }

    /** Slots of {@code layer} that hold tokens before {@code token}. */
    public int slotsBefore(int layer, int token) {
        int[] o = omitted[layer];
        if (o == null) return token;
        int i = Arrays.binarySearch(o, token);
        return token - (i >= 0 ? i : -i - 1);
    }

    /** Positions seen (the slots of layer 0). */
    public int length() {
        return storages[0].length();
    }

    /**
     * The rotary position of the next token: {@link #length()} plus the position delta. Positions of a prompt may
     * repeat or skip (M-RoPE gives a video's tokens a grid of positions; pruned rows are absent), so this is not the
     * number of tokens in general: after a prefill it is one past the largest position the prefill used.
     */
    public int nextPosition() {
        return length() + positionDelta;
    }

    /** {@link #nextPosition()} minus {@link #length()} (transformers' {@code rope_deltas}). */
    public int positionDelta() {
        return positionDelta;
    }

    /**
     * Sets the position delta, so that the next token goes at {@code length() + delta}. The decoder sets it after each
     * forward; a restored prefix that ends after a video sets its own. {@link #truncate} keeps it.
     */
    public void setPositionDelta(int delta) {
        positionDelta = delta;
    }

    /** Slots filled in {@code layer}. */
    public int length(int layer) {
        return storages[layer].length();
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

    /** The format plain layers start in. */
    public Precision precision() {
        return precision;
    }

    /** The storage of {@code layer} (a plain layer's is replaced by a tiered one at its first {@link #retier}). */
    public KvStorage storage(int layer) {
        return storages[layer];
    }

    /** Makes room in {@code layer} for {@code n} more slots. */
    public void reserve(int layer, int n) {
        KvStorage s = storages[layer];
        int need = s.length() + n;
        if (need > maxTokens) throw new IllegalStateException("context full: " + need + " tokens > " + maxTokens);
        s.reserve(n, maxTokens);
    }

    /** Writes the keys and values ({@code kvDim} floats each) of a reserved slot. */
    public void put(int layer, int slot, float[] ks, int ko, float[] vs, int vo) {
        storages[layer].put(slot, 1, ks, ko, vs, vo);
    }

    /** Writes the keys and values of {@code n} reserved slots of {@code layer} from {@code slot0} on: rows of {@code kvDim}. */
    public void put(int layer, int slot0, int n, float[] ks, int ko, float[] vs, int vo) {
        storages[layer].put(slot0, n, ks, ko, vs, vo);
    }

    /** The keys of a slot as float32 ({@code kvDim} into {@code out[off..]}), dequantized if it is in the compact store. */
    public void readKeys(int layer, int slot, float[] out, int off) {
        storages[layer].readKeys(slot, out, off);
    }

    public void readValues(int layer, int slot, float[] out, int off) {
        storages[layer].readValues(slot, out, off);
    }

    /** The keys of the first {@code n} slots of {@code layer}, as float32 rows of {@code kvDim}. */
    public float[] keyRows(int layer, int n) {
        return storages[layer].keyRows(n);
    }

    /** The values of the first {@code n} slots of {@code layer}, as float32 rows of {@code kvDim}. */
    public float[] valueRows(int layer, int n) {
        return storages[layer].valueRows(n);
    }

    /** Marks {@code n} reserved slots of {@code layer} as filled. */
    public void advance(int layer, int n) {
        storages[layer].advance(n);
    }

    /**
     * Rolls every layer back to the first {@code n} tokens (for reusing a prefix): {@code n} slots, less those of the
     * tokens a layer does not hold; every layer must hold that many.
     */
    public void truncate(int n) {
        for (int l = 0; l < layers; l++)
            if (n < 0 || slotsBefore(l, n) > storages[l].length())
                throw new IllegalArgumentException("cannot truncate layer " + l + " of " + storages[l].length() + " slots to " + n);
        for (int l = 0; l < layers; l++) {
            storages[l].truncate(slotsBefore(l, n));
            int[] o = omitted[l];
            if (o == null) continue;
            int keep = slotsBefore(0, n) - slotsBefore(l, n); // the omitted tokens before n
            omitted[l] = keep == 0 ? null : Arrays.copyOf(o, keep);
        }
    }

    /**
     * Moves entries of layers {@code fromLayer} and above between the two stores of a tiered layer: every slot of the
     * span {@code [spanStart, spanStart+spanCount)} that is not in {@code active} goes to the compact store (quantized),
     * and every compact one in {@code active} is recalled (dequantized into the float store). Slots outside the span
     * stay where they are. A layer becomes tiered, with {@code type}, at its first retier; the stores are repacked when
     * they waste more than a quarter of their rows. Nothing moves when {@code active} is null.
     */
    public void retier(int fromLayer, int spanStart, int spanCount, int[] active, CompactType type) {
        if (active == null) return;
        if (fromLayer < 0 || fromLayer >= layers) throw new IllegalArgumentException("layer " + fromLayer + " is outside 0.." + (layers - 1));
        if (spanStart < 0 || spanCount < 0) throw new IllegalArgumentException("bad span " + spanStart + " + " + spanCount);
        for (int l = fromLayer; l < layers; l++) retierLayer(l, spanStart, spanCount, active, type);
    }

    /**
     * As {@link #retier}, in {@code layer} alone, with the span and {@code active} in that layer's slots (which differ
     * from other layers' when a prefill hook dropped tokens before it). Nothing moves when {@code active} is null.
     */
    public void retierLayer(int layer, int spanStart, int spanCount, int[] active, CompactType type) {
        if (active == null) return;
        if (layer < 0 || layer >= layers) throw new IllegalArgumentException("layer " + layer + " is outside 0.." + (layers - 1));
        if (spanStart < 0 || spanCount < 0) throw new IllegalArgumentException("bad span " + spanStart + " + " + spanCount);
        if (spanStart + spanCount > storages[layer].length())
            throw new IllegalStateException("layer " + layer + " holds " + storages[layer].length() + " slots, fewer than the span's end " + (spanStart + spanCount));
        boolean[] keep = new boolean[spanCount];
        for (int s : active) if (s >= spanStart && s < spanStart + spanCount) keep[s - spanStart] = true;
        TieredKvStorage t = storages[layer].tiered(type);
        storages[layer] = t;
        t.retier(spanStart, keep);
    }

    /** Whether {@code layer} keeps a float and a compact store (see {@link #retier}). */
    public boolean tiered(int layer) {
        return storages[layer] instanceof TieredKvStorage;
    }

    /** Whether a slot of {@code layer} is in the compact store. */
    public boolean isCompact(int layer, int slot) {
        return storages[layer].isCompact(slot);
    }

    /** Slots of {@code layer} in the compact store. */
    public int compactSlots(int layer) {
        return storages[layer].compactSlots();
    }

    /** Bytes of the live rows attention reads in full (float32, or bfloat16 in a plain bf16 layer): keys and values of every layer. */
    public long bytes() {
        long b = 0;
        for (KvStorage s : storages) b += s.bytes();
        return b;
    }

    /** Bytes of the live compact (pruned) rows: keys and values, with their int8 scales. */
    public long prunedBytes() {
        long b = 0;
        for (KvStorage s : storages) b += s.compactBytes();
        return b;
    }

    /** Bytes of every array the cache holds, used or spare (what the heap really keeps). */
    public long capacityBytes() {
        long b = 0;
        for (KvStorage s : storages) b += s.capacityBytes();
        return b;
    }
}
