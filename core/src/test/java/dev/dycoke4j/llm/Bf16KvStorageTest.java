package dev.dycoke4j.llm;

import dev.dycoke4j.kernel.KeyPanels;
import dev.dycoke4j.kernel.KvCodec;
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

/** A bfloat16 layer: entries read back rounded, in half the bytes, and its attention against the scalar definition. */
class Bf16KvStorageTest {
    static float[] rounded(float[] a) {
        float[] b = new float[a.length];
        for (int i = 0; i < a.length; i++) b[i] = KvCodec.fromBf16(KvCodec.toBf16(a[i]));
        return b;
    }

    @Test
    void readsBackTheRoundedEntriesInHalfTheBytes() {
        SplittableRandom r = new SplittableRandom(4);
        int n = 70;
        float[] k = randoms(r, n * KVDIM), v = randoms(r, n * KVDIM), kr = rounded(k), vr = rounded(v);
        Bf16KvStorage s = new Bf16KvStorage(0, KVH, D, 4);
        F32KvStorage f = new F32KvStorage(0, KVH, D, 4);
        for (KvStorage x : new KvStorage[]{s, f}) {
            append(x, k, v, 0, 50, true);
            append(x, k, v, 50, n, false);
        }
        float[] row = new float[KVDIM];
        for (int slot = 0; slot < n; slot++) {
            s.readKeys(slot, row, 0);
            assertArrayEquals(Arrays.copyOfRange(kr, slot * KVDIM, (slot + 1) * KVDIM), row, "keys of " + slot);
            s.readValues(slot, row, 0);
            assertArrayEquals(Arrays.copyOfRange(vr, slot * KVDIM, (slot + 1) * KVDIM), row, "values of " + slot);
        }
        assertArrayEquals(kr, s.keyRows(n));
        assertArrayEquals(vr, s.valueRows(n));
        assertEquals(2L * n * KVDIM * Short.BYTES, s.bytes());
        assertEquals(f.bytes() / 2, s.bytes(), "half the float32 layer's bytes");
        assertEquals(((long) KeyPanels.floats(100, KVH, D) + 100L * KVDIM) * Short.BYTES, s.capacityBytes());
        assertEquals(f.capacityBytes() / 2, s.capacityBytes());
        assertThrows(IndexOutOfBoundsException.class, () -> s.readValues(-1, row, 0));
        s.truncate(10);
        assertEquals(2L * 10 * KVDIM * Short.BYTES, s.bytes());
    }

    @Test
    void attendsAsTheScalarDefinitionOverTheRoundedEntries() {
        SplittableRandom r = new SplittableRandom(5);
        for (int n : new int[]{70, 600}) {
            float[] k = randoms(r, n * KVDIM), v = randoms(r, n * KVDIM);
            Bf16KvStorage s = new Bf16KvStorage(0, KVH, D, n);
            append(s, k, v, 0, n, true);
            float[] kr = rounded(k), vr = rounded(v);
            KvStorageTesting.assertBlockLikeScalar(s, kr, vr, n, 6, r);
            KvStorageTesting.assertBlockLikeScalar(s, kr, vr, n, 2, r);
            KvStorageTesting.assertDecodesLikeScalar(s, kr, vr, n, r);
        }
    }

    @Test
    void aTieredLayerTakesOverItsEntriesWidened() {
        SplittableRandom r = new SplittableRandom(6);
        int n = 30;
        float[] k = randoms(r, n * KVDIM), v = randoms(r, n * KVDIM);
        Bf16KvStorage s = new Bf16KvStorage(2, KVH, D, 32);
        append(s, k, v, 0, n, true);
        TieredKvStorage t = s.tiered(KvCache.CompactType.BF16);
        assertArrayEquals(rounded(k), t.keyRows(n), "exactly the bf16 entries");
        assertArrayEquals(rounded(v), t.valueRows(n));
        assertEquals(2 * s.bytes(), t.bytes(), "float32 rows take twice the bytes");
    }
}
