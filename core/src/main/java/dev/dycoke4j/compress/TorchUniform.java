package dev.dycoke4j.compress;

/**
 * The float32 uniforms PyTorch's CPU generator draws ({@code torch.rand}) after {@code torch.manual_seed(seed)}: a
 * Mersenne Twister (MT19937, seeded by {@code init_genrand}), each float the low 24 bits of one 32-bit output times
 * 2^-24. Methods whose official code breaks ties with such noise (DPC-kNN's {@code density + rand * 1e-6}) draw it
 * from here, so that they follow the official code's path.
 */
public final class TorchUniform {
    private static final int N = 624, M = 397;
    private final int[] mt = new int[N];
    private int index = N;

    public TorchUniform(long seed) {
        mt[0] = (int) seed;
        for (int i = 1; i < N; i++) mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
    }

    /** The next {@code n} draws, in [0, 1). */
    public float[] next(int n) {
        float[] r = new float[n];
        for (int i = 0; i < n; i++) r[i] = (nextInt() & 0xFFFFFF) * 0x1p-24f;
        return r;
    }

    private int nextInt() {
        if (index == N) twist();
        int y = mt[index++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9D2C5680;
        y ^= (y << 15) & 0xEFC60000;
        return y ^ (y >>> 18);
    }

    private void twist() {
        for (int i = 0; i < N; i++) {
            int y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7FFFFFFF);
            mt[i] = mt[(i + M) % N] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908B0DF : 0);
        }
        index = 0;
    }
}
