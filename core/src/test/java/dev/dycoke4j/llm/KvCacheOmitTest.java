package dev.dycoke4j.llm;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which tokens each layer of a cache holds once a prefill hook dropped some: slots to tokens and back, and truncation. */
class KvCacheOmitTest {
    static final int KVDIM = 4;

    /** Fills {@code n} slots of {@code layer}, each row holding its slot's number. */
    static void fill(KvCache c, int layer, int n) {
        int s0 = c.length(layer);
        c.reserve(layer, n);
        float[] rows = new float[n * KVDIM];
        for (int i = 0; i < rows.length; i++) rows[i] = s0 + i / KVDIM;
        c.put(layer, s0, n, rows, 0, rows, 0);
        c.advance(layer, n);
    }

    /** A 3-layer cache of 10 tokens whose layer 2 lacks tokens 3, 4 and 7. */
    static KvCache pruned() {
        KvCache c = new KvCache(3, KVDIM, 64, 16);
        c.omit(2, new int[]{3, 4, 7});
        fill(c, 0, 10);
        fill(c, 1, 10);
        fill(c, 2, 7);
        return c;
    }

    @Test
    void slotsAndTokensMapBothWays() {
        KvCache c = pruned();
        assertTrue(c.holdsEvery(0) && c.holdsEvery(1));
        assertFalse(c.holdsEvery(2));
        assertTrue(c.sameTokens(0, 1));
        assertFalse(c.sameTokens(1, 2));
        int[] held = {0, 1, 2, 5, 6, 8, 9};
        for (int s = 0; s < held.length; s++) {
            assertEquals(held[s], c.tokenOf(2, s), "slot " + s);
            assertEquals(s, c.slotOf(2, held[s]), "token " + held[s]);
            assertEquals(s, c.tokenOf(1, s), "layer 1 holds every token");
        }
        for (int t : new int[]{3, 4, 7}) assertEquals(-1, c.slotOf(2, t), "token " + t + " is not in layer 2");
        assertEquals(10, c.tokenOf(2, 7), "the next slot holds the next token");
        assertEquals(11, c.tokenOf(2, 8));
        assertEquals(3, c.slotsBefore(2, 3));
        assertEquals(3, c.slotsBefore(2, 5));
        assertEquals(5, c.slotsBefore(2, 8));
        assertEquals(7, c.slotsBefore(2, 10));
        assertEquals(8, c.slotsBefore(1, 8));
    }

    @Test
    void truncationCountsTokensAndForgetsTheOmittedOnesAfter() {
        KvCache c = pruned();
        c.truncate(5);
        assertEquals(5, c.length());
        assertEquals(5, c.length(1));
        assertEquals(3, c.length(2), "tokens 0, 1 and 2");
        assertEquals(-1, c.slotOf(2, 4));
        assertEquals(3, c.slotOf(2, 5), "token 5 would take layer 2's next slot");
        c.truncate(3);
        assertTrue(c.holdsEvery(2), "no omitted token is left before the end");
        assertEquals(3, c.length(2));
    }

    @Test
    void omittedTokensMustBeAheadOfTheLayerAndAscending() {
        KvCache c = pruned();
        assertThrows(IllegalArgumentException.class, () -> c.omit(2, new int[]{9}), "token 9 is already in layer 2");
        assertThrows(IllegalArgumentException.class, () -> c.omit(2, new int[]{12, 11}));
        assertThrows(IllegalArgumentException.class, () -> c.omit(0, new int[]{12}), "layer 0 holds every token");
        c.omit(2, new int[]{11, 13});
        fill(c, 0, 5);
        fill(c, 2, 3);
        assertEquals(10, c.tokenOf(2, 7));
        assertEquals(12, c.tokenOf(2, 8));
        assertEquals(14, c.tokenOf(2, 9));
    }

    @Test
    void retieringOneLayerMovesItsOwnSlots() {
        KvCache c = pruned();
        // layer 2's visual span, tokens 2..8, is its slots 2..5 (tokens 2, 5, 6, 8); keep tokens 5 and 8
        c.retierLayer(2, 2, 4, new int[]{0, 1, 3, 5, 6}, KvCache.CompactType.INT8);
        assertEquals(2, c.compactSlots(2));
        assertTrue(c.isCompact(2, 2) && c.isCompact(2, 4));
        assertFalse(c.isCompact(2, 3) || c.isCompact(2, 5));
        assertFalse(c.tiered(1), "other layers are untouched");
        float[] k = new float[KVDIM];
        c.readKeys(2, 3, k, 0);
        assertEquals(3f, k[0], "the rows stay where they were");
    }
}
