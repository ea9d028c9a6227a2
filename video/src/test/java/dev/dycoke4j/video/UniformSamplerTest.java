package dev.dycoke4j.video;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class UniformSamplerTest {
    /** {@code np.linspace(0, total - 1, min(total, n), dtype=int)} from numpy 2.4. Columns: total, n, indices. */
    private static final Object[][] NUMPY = {
            {8, 8, new int[]{0, 1, 2, 3, 4, 5, 6, 7}},
            {300, 32, new int[]{0, 9, 19, 28, 38, 48, 57, 67, 77, 86, 96, 106, 115, 125, 135, 144, 154, 163, 173, 183, 192, 202, 212, 221, 231, 241, 250, 260, 270, 279, 289, 299}},
            {100, 8, new int[]{0, 14, 28, 42, 56, 70, 84, 99}},
            {10, 3, new int[]{0, 4, 9}},
            {1, 1, new int[]{0}},
            {5, 1, new int[]{0}},
            {2, 2, new int[]{0, 1}},
            {1000, 7, new int[]{0, 166, 333, 499, 666, 832, 999}},
            {49, 16, new int[]{0, 3, 6, 9, 12, 16, 19, 22, 25, 28, 32, 35, 38, 41, 44, 48}},
            {1234567, 32, new int[]{0, 39824, 79649, 119474, 159298, 199123, 238948, 278772, 318597, 358422, 398247, 438071, 477896, 517721, 557545, 597370, 637195, 677020, 716844, 756669, 796494, 836318, 876143, 915968, 955793, 995617, 1035442, 1075267, 1115091, 1154916, 1194741, 1234566}},
            {30, 32, new int[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29}},
            {17, 16, new int[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16}},
            {5, 4, new int[]{0, 1, 2, 4}},
            {6, 4, new int[]{0, 1, 3, 5}},
            {101, 11, new int[]{0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100}},
            // float64 rounding makes these differ from exact rational arithmetic: i=11 gives 14, not 15
            {31, 23, new int[]{0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 16, 17, 19, 20, 21, 23, 24, 25, 27, 28, 30}},
            {46, 34, new int[]{0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 16, 17, 19, 20, 21, 23, 24, 25, 27, 28, 29, 31, 32, 34, 35, 36, 38, 39, 40, 42, 43, 45}},
            {3001, 64, new int[]{0, 47, 95, 142, 190, 238, 285, 333, 380, 428, 476, 523, 571, 619, 666, 714, 761, 809, 857, 904, 952, 1000, 1047, 1095, 1142, 1190, 1238, 1285, 1333, 1380, 1428, 1476, 1523, 1571, 1619, 1666, 1714, 1761, 1809, 1857, 1904, 1952, 2000, 2047, 2095, 2142, 2190, 2238, 2285, 2333, 2380, 2428, 2476, 2523, 2571, 2619, 2666, 2714, 2761, 2809, 2857, 2904, 2952, 3000}},
    };

    @Test
    void matchesNumpyLinspace() {
        for (Object[] c : NUMPY) {
            int total = (int) c[0], n = (int) c[1];
            assertArrayEquals((int[]) c[2], UniformSampler.plan(total, n), total + " frames, " + n + " wanted");
        }
    }

    /**
     * A fingerprint of numpy's answers for every total in 1..400 and n in 1..min(total, 70):
     * {@code fp = (fp * 31 + sum((i + 1) * v[i])) mod (2^61 - 1)}, computed with numpy 2.4.
     */
    @Test
    void matchesNumpyOnAGrid() {
        long mod = (1L << 61) - 1, fp = 0;
        for (int t = 1; t <= 400; t++)
            for (int n = 1; n <= Math.min(t, 70); n++) {
                int[] v = UniformSampler.indices(t, n);
                long s = 0;
                for (int i = 0; i < v.length; i++) s += (long) v[i] * (i + 1);
                fp = (mulMod(fp, 31, mod) + s) % mod;
            }
        assertEquals(1786760809597123399L, fp);
    }

    private static long mulMod(long a, long b, long mod) {
        return java.math.BigInteger.valueOf(a).multiply(java.math.BigInteger.valueOf(b)).mod(java.math.BigInteger.valueOf(mod)).longValue();
    }

    @Test
    void indicesAreAscendingDistinctAndEndAtTheLastFrame() {
        for (int t = 1; t <= 300; t++)
            for (int n = 1; n <= t; n += 7) {
                int[] v = UniformSampler.indices(t, n);
                assertEquals(n, v.length);
                assertEquals(0, v[0]);
                assertEquals(n == 1 ? 0 : t - 1, v[n - 1]);
                for (int i = 1; i < n; i++) assertTrue(v[i] > v[i - 1], t + "," + n);
            }
    }

    @Test
    void rejectsImpossibleRequests() {
        assertThrows(IllegalArgumentException.class, () -> UniformSampler.indices(0, 1));
        assertThrows(IllegalArgumentException.class, () -> UniformSampler.indices(5, 0));
        assertThrows(IllegalArgumentException.class, () -> UniformSampler.indices(5, 6));
        assertArrayEquals(new int[]{0, 1, 2}, UniformSampler.plan(3, 8));
    }
}
