package dev.dycoke4j.llm;

import dev.dycoke4j.kernel.Attention;

/**
 * A plain layer: slot = row, keys in {@link dev.dycoke4j.kernel.KeyPanels} and values in rows, arrays that grow by
 * doubling. Its attention is the blocked (flash) kernel for a prefill block or a plain decode step, and the indexed
 * kernel for a decode step that attends to a subset of slots or reports its probabilities; the format's subclass
 * gives the two kernel calls.
 */
abstract sealed class PanelKvStorage extends KvStorage permits F32KvStorage, Bf16KvStorage {
    PanelKvStorage(int layer, int kvHeads, int headDim) {
        super(layer, kvHeads, headDim, 0);
    }

    /** Slots the arrays hold. */
    abstract int capacity();

    /** Grows the arrays to {@code slots} slots, keeping every entry (key panels stay where they are). */
    abstract void grow(int slots);

    /** {@link Attention#attendPanels} over this layer's arrays. */
    abstract void attendBlock(Attention.Shape shape, float[] q, float[] out);

    /** {@link dev.dycoke4j.kernel.IndexedAttention#decode} over this layer's arrays. */
    abstract void attendIndexed(float[] q, int H, int len, int[] active, float scale, float[] out, float[] probs);

    @Override
    final void reserve(int n, int maxTokens) {
        int need = length + n, cap = capacity();
        if (need <= cap) return;
        grow(Math.min(maxTokens, Math.max(need, cap * 2)));
    }

    final void checkReserved(int slot0, int n) {
        if (slot0 < 0 || slot0 + n > capacity()) throw new IndexOutOfBoundsException("slots " + slot0 + "+" + n + " are not reserved in layer " + layer);
    }

    @Override
    final void truncate(int n) {
        length = n;
    }

    @Override
    public final void attend(float[] q, int T, int slot0, int H, float scale, int[] active, float[] out, float[] probs) {
        int D = headDim;
        if (T == 1 && (active != null || probs != null)) {
            attendIndexed(q, H, slot0 + 1, active, scale, out, probs);
            return;
        }
        attendBlock(new Attention.Shape(T, slot0 + T, H, kvHeads, D, H * D, kvDim, true, slot0, scale), q, out);
        if (probs != null) {
            float[] lastQ = java.util.Arrays.copyOfRange(q, (T - 1) * H * D, T * H * D);
            attendIndexed(lastQ, H, slot0 + T, null, scale, new float[H * D], probs);
        }
    }
}
