package dev.dycoke4j.llm;

import dev.dycoke4j.kernel.Attention;
import dev.dycoke4j.kernel.IndexedAttention;
import dev.dycoke4j.kernel.KeyPanels;

import java.util.Arrays;

/** A plain float32 layer: keys as {@link KeyPanels} of slots, values as rows {@code v[slot·kvDim + g·headDim + i]}. */
public final class F32KvStorage extends PanelKvStorage {
    private float[] k, v;

    F32KvStorage(int layer, int kvHeads, int headDim, int slots) {
        super(layer, kvHeads, headDim);
        k = new float[KeyPanels.floats(slots, kvHeads, headDim)];
        v = new float[slots * kvDim];
    }

    /** The keys, as {@link KeyPanels} of slots (what attention reads; valid until the layer grows). */
    public float[] keyPanels() {
        return k;
    }

    /** The values, indexed by slot (valid until the layer grows). */
    public float[] values() {
        return v;
    }

    @Override
    int capacity() {
        return v.length / kvDim;
    }

    @Override
    void grow(int slots) {
        k = Arrays.copyOf(k, KeyPanels.floats(slots, kvHeads, headDim)); // panels stay where they are
        v = Arrays.copyOf(v, slots * kvDim);
    }

    @Override
    void put(int slot0, int n, float[] ks, int ko, float[] vs, int vo) {
        checkReserved(slot0, n);
        KeyPanels.put(k, kvHeads, headDim, slot0, n, ks, ko, kvDim);
        System.arraycopy(vs, vo, v, slot0 * kvDim, n * kvDim);
    }

    @Override
    public void readKeys(int slot, float[] out, int off) {
        checkSlot(slot);
        KeyPanels.get(k, kvHeads, headDim, slot, out, off);
    }

    @Override
    public void readValues(int slot, float[] out, int off) {
        checkSlot(slot);
        System.arraycopy(v, slot * kvDim, out, off, kvDim);
    }

    @Override
    public float[] keyRows(int n) {
        return KeyPanels.toRows(k, checkRows(n), n, kvHeads, headDim);
    }

    @Override
    public float[] valueRows(int n) {
        return Arrays.copyOf(v, checkRows(n) * kvDim);
    }

    @Override
    void attendBlock(Attention.Shape shape, float[] q, float[] out) {
        Attention.attendPanels(shape, q, 0, k, v, 0, out, 0);
    }

    @Override
    void attendIndexed(float[] q, int H, int len, int[] active, float scale, float[] out, float[] probs) {
        IndexedAttention.decode(q, k, v, kvDim, H, kvHeads, headDim, len, active, scale, out, probs);
    }

    @Override
    public long bytes() {
        return 2L * length * kvDim * Float.BYTES;
    }

    @Override
    public long capacityBytes() {
        return ((long) k.length + v.length) * Float.BYTES;
    }

    /** The float32 rows move to the tiered storage as they are (the values array itself; the keys leave their panels). */
    @Override
    TieredKvStorage tiered(KvCache.CompactType type) {
        int cap = capacity();
        return new TieredKvStorage(layer, type, kvHeads, headDim, KeyPanels.toRows(k, length, cap, kvHeads, headDim), v, length);
    }
}
