package dev.dycoke4j.eval;

import java.math.BigInteger;
import java.util.List;

/**
 * CPython's {@code random.Random}: MT19937 seeded from an int as {@code random.seed(n)} does ({@code init_by_array}
 * over the absolute value's 32-bit words), and {@code choice} through {@code _randbelow} on {@code getrandbits}
 * (rejection sampling with {@code n.bit_length()} bits). The parsers of NExT-QA, EgoSchema and LongVideoBench fall back
 * to {@code random.choice}, so reproducing a seeded run's letters needs this exact generator.
 */
public final class PyRandom {
    private static final int N = 624, M = 397;
    private final int[] mt = new int[N];
    private int mti;

    /** {@code random.Random(seed)} for an int seed. */
    public PyRandom(long seed) {
        BigInteger n = BigInteger.valueOf(seed).abs();
        int words = Math.max(1, (n.bitLength() + 31) / 32);
        int[] key = new int[words];
        for (int i = 0; i < words; i++) key[i] = n.shiftRight(32 * i).intValue();
        initByArray(key);
    }

    private void initGenrand(int s) {
        mt[0] = s;
        for (mti = 1; mti < N; mti++) mt[mti] = 1812433253 * (mt[mti - 1] ^ (mt[mti - 1] >>> 30)) + mti;
    }

    private void initByArray(int[] key) {
        initGenrand(19650218);
        int i = 1, j = 0;
        for (int k = Math.max(N, key.length); k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1664525)) + key[j] + j;
            i++;
            j++;
            if (i >= N) {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if (j >= key.length) j = 0;
        }
        for (int k = N - 1; k > 0; k--) {
            mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1566083941)) - i;
            i++;
            if (i >= N) {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = 0x80000000;
        mti = N;
    }

    /** The next 32 random bits as an unsigned value (MT19937's {@code genrand_uint32}). */
    long nextUint32() {
        if (mti >= N) {
            for (int k = 0; k < N; k++) {
                int y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
                mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
            }
            mti = 0;
        }
        int y = mt[mti++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        return y & 0xffffffffL;
    }

    /** {@code getrandbits(k)} for 0 < k <= 32. */
    long getrandbits(int k) {
        return nextUint32() >>> (32 - k);
    }

    /** {@code _randbelow(n)} for 0 < n < 2^31. */
    int randbelow(int n) {
        int k = 32 - Integer.numberOfLeadingZeros(n);
        long r = getrandbits(k);
        while (r >= n) r = getrandbits(k);
        return (int) r;
    }

    /** {@code random.choice(seq)}; IndexError on an empty sequence. */
    public <T> T choice(List<T> seq) {
        if (seq.isEmpty()) throw new PyError("IndexError", "Cannot choose from an empty sequence");
        return seq.get(randbelow(seq.size()));
    }
}
