package dev.dycoke4j.compress;

/**
 * The draws of PyTorch's CPU {@code torch.rand} in float32 after {@code torch.manual_seed(seed)}: a 32-bit Mersenne
 * Twister (MT19937, seeded as {@code init_genrand}), each float made from the low 24 bits of one word,
 * {@code (w & 0xFFFFFF) / 2^24}. The methods whose official code breaks ties with {@code torch.rand} noise use it, so
 * that they take the path that code takes after the seed: deterministic, and checked against recorded draws.
 */
public final class TorchRand {
    private static final int N = 624, M = 397;
    private final int[] mt = new int[N];
    private int next = N;

    public TorchRand(long seed) {
        mt[0] = (int) seed;
        for (int i = 1; i < N; i++) mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
    }

    /** The next {@code n} draws, in [0, 1). */
    public float[] rand(int n) {
        float[] r = new float[n];
        for (int i = 0; i < n; i++) r[i] = (nextWord() & 0xFFFFFF) * 0x1p-24f;
        return r;
    }

    private int nextWord() {
        if (next == N) twist();
        int y = mt[next++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        return y ^ (y >>> 18);
    }

    private void twist() {
        for (int i = 0; i < N; i++) {
            int y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
            mt[i] = mt[(i + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
        }
        next = 0;
    }
}
