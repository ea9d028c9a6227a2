package dev.dycoke4j.llm;

import dev.dycoke4j.kernel.KeyPanels;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static dev.dycoke4j.llm.KvStorageTesting.D;
import static dev.dycoke4j.llm.KvStorageTesting.KVDIM;
import static dev.dycoke4j.llm.KvStorageTesting.KVH;
import static dev.dycoke4j.llm.KvStorageTesting.append;
import static dev.dycoke4j.llm.KvStorageTesting.randoms;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A float32 layer: what it reads back, what it counts, and its attention against the scalar definition. */
class F32KvStorageTest {
    @Test
    void readsBackExactlyWhatWasAppendedAndCountsItsBytes() {
        SplittableRandom r = new SplittableRandom(1);
        int n = 70;
        float[] k = randoms(r, n * KVDIM), v = randoms(r, n * KVDIM);
        F32KvStorage s = new F32KvStorage(0, KVH, D, 4);
        append(s, k, v, 0, 50, true); // a prefill: grows to 50
        append(s, k, v, 50, n, false); // decode steps: doubles to 100
        assertEquals(n, s.length());
        float[] row = new float[KVDIM + 1];
        for (int slot = 0; slot < n; slot++) {
            s.readKeys(slot, row, 1);
            assertArrayEquals(Arrays.copyOfRange(k, slot * KVDIM, (slot + 1) * KVDIM), Arrays.copyOfRange(row, 1, KVDIM + 1), "keys of " + slot);
            s.readValues(slot, row, 1);
            assertArrayEquals(Arrays.copyOfRange(v, slot * KVDIM, (slot + 1) * KVDIM), Arrays.copyOfRange(row, 1, KVDIM + 1), "values of " + slot);
        }
        assertArrayEquals(k, s.keyRows(n));
        assertArrayEquals(v, s.valueRows(n));
        assertArrayEquals(Arrays.copyOf(k, 7 * KVDIM), s.keyRows(7));
        assertEquals(2L * n * KVDIM * Float.BYTES, s.bytes(), "keys and values of the filled slots");
        assertEquals(0, s.compactBytes());
        assertEquals(0, s.compactSlots());
        assertEquals(((long) KeyPanels.floats(100, KVH, D) + 100L * KVDIM) * Float.BYTES, s.capacityBytes(), "100 slots: panels and rows");
        assertThrows(IndexOutOfBoundsException.class, () -> s.readKeys(n, row, 0), "a slot not filled");
        assertThrows(IndexOutOfBoundsException.class, () -> s.put(99, 2, k, 0, v, 0), "slots not reserved");

        s.truncate(40);
        assertEquals(40, s.length());
        assertEquals(2L * 40 * KVDIM * Float.BYTES, s.bytes());
        assertThrows(IndexOutOfBoundsException.class, () -> s.keyRows(41));
    }

    @Test
    void attendsAsTheScalarDefinition() {
        SplittableRandom r = new SplittableRandom(2);
        for (int n : new int[]{70, 600}) { // 600: the decode kernels split the keys into chunks
            float[] k = randoms(r, n * KVDIM), v = randoms(r, n * KVDIM);
            F32KvStorage s = new F32KvStorage(0, KVH, D, n);
            append(s, k, v, 0, n, true);
            KvStorageTesting.assertBlockLikeScalar(s, k, v, n, 6, r); // the flash kernel
            KvStorageTesting.assertBlockLikeScalar(s, k, v, n, 2, r); // fewer queries: the decode kernel
            KvStorageTesting.assertDecodesLikeScalar(s, k, v, n, r);
        }
    }

    @Test
    void aTieredLayerTakesOverItsRowsExactly() {
        SplittableRandom r = new SplittableRandom(3);
        int n = 30;
        float[] k = randoms(r, n * KVDIM), v = randoms(r, n * KVDIM);
        F32KvStorage s = new F32KvStorage(4, KVH, D, 32);
        append(s, k, v, 0, n, true);
        TieredKvStorage t = s.tiered(KvCache.CompactType.INT8);
        assertEquals(n, t.length());
        assertArrayEquals(k, t.keyRows(n));
        assertArrayEquals(v, t.valueRows(n));
        assertEquals(s.bytes(), t.bytes(), "every row is still a float row");
    }
}
