package dev.dycoke4j.llm;

import dev.dycoke4j.kernel.Attention;
import dev.dycoke4j.kernel.Bf16;
import dev.dycoke4j.kernel.IndexedAttention;
import dev.dycoke4j.kernel.KeyPanels;

import java.util.Arrays;

/**
 * A plain bfloat16 layer (entries rounded to nearest even): the layout of {@link F32KvStorage} in 16 bits, key
 * panels with each element's keys as one {@link Bf16} run and value rows of each head in runs. Half the bytes for
 * decode to read at every step, as a model whose weights are BF16 computes them in its own dtype; attention widens
 * them back exactly, in registers.
 */
public final class Bf16KvStorage extends PanelKvStorage {
    private short[] k, v;

    Bf16KvStorage(int layer, int kvHeads, int headDim, int slots) {
        super(layer, kvHeads, headDim);
        k = new short[KeyPanels.floats(slots, kvHeads, headDim)];
        v = new short[slots * kvDim];
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
        for (int t = 0; t < n; t++)
            for (int g = 0; g < kvHeads; g++)
                Bf16.putRow(vs, vo + t * kvDim + g * headDim, v, (slot0 + t) * kvDim + g * headDim, headDim);
    }

    @Override
    public void readKeys(int slot, float[] out, int off) {
        checkSlot(slot);
        KeyPanels.get(k, kvHeads, headDim, slot, out, off);
    }

    @Override
    public void readValues(int slot, float[] out, int off) {
        checkSlot(slot);
        for (int g = 0; g < kvHeads; g++) Bf16.getRow(v, slot * kvDim + g * headDim, out, off + g * headDim, headDim);
    }

    @Override
    public float[] keyRows(int n) {
        return KeyPanels.toRows(k, checkRows(n), n, kvHeads, headDim);
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
        return 2L * length * kvDim * Short.BYTES;
    }

    @Override
    public long capacityBytes() {
        return ((long) k.length + v.length) * Short.BYTES;
    }

    /** The tiered storage keeps float32 rows: the entries are widened once (exactly), in arrays of this capacity. */
    @Override
    TieredKvStorage tiered(KvCache.CompactType type) {
        int cap = capacity();
        float[] values = new float[cap * kvDim];
        for (int s = 0; s < length; s++) readValues(s, values, s * kvDim);
        return new TieredKvStorage(layer, type, kvHeads, headDim, KeyPanels.toRows(k, length, cap, kvHeads, headDim), values, length);
    }
}
