package dev.dycoke4j.kernel;

/**
 * bfloat16 values as a 16-bit KV cache keeps them: {@link KvCodec#toBf16} of a float32 (nearest even), laid out
 * so that one int-vector load widens into two float vectors of consecutive elements with one shift and one mask.
 *
 * <p>The layout works on <em>runs</em> of {@link #RUN} = 2L elements (L floats per vector): int lane i of a run holds
 * element i in its low half and element {@code i + L} in its high half, so {@code w << 16} gives elements 0..L-1 and
 * {@code w & 0xffff0000} gives L..2L-1. A {@link KeyPanels} row of one element over {@code KP} = 2L keys is one run; a
 * value row of a head is {@code D / RUN} runs followed by its last {@code D % RUN} elements in order. As with
 * {@link KeyPanels}, the layout depends on the CPU's vector width: it is an in-memory form only, and anything stored
 * or compared goes through floats.
 */
public final class Bf16 {
    /** Floats per vector. */
    static final int L = VectorWidth.FLOAT.length();
    /** Elements per run: two float vectors. */
    public static final int RUN = 2 * L;

    private Bf16() {
    }

    /** Where element i (0..RUN-1) of a run sits in it. */
    public static int lane(int i) {
        return i < L ? 2 * i : 2 * (i - L) + 1;
    }

    /** Where element d of a head row of D elements sits in it: in a run, or in order in the tail. */
    public static int rowPos(int d, int D) {
        int whole = D / RUN * RUN;
        return d < whole ? d - d % RUN + lane(d % RUN) : d;
    }

    /** Rounds a head row of D floats {@code src[so..]} into {@code dst[dO..]} in the run layout. */
    public static void putRow(float[] src, int so, short[] dst, int dO, int D) {
        for (int d = 0; d < D; d++) dst[dO + rowPos(d, D)] = KvCodec.toBf16(src[so + d]);
    }

    /** Widens a head row of D bfloat16s {@code src[so..]} in the run layout into {@code dst[dO..]} in order. */
    public static void getRow(short[] src, int so, float[] dst, int dO, int D) {
        for (int d = 0; d < D; d++) dst[dO + d] = KvCodec.fromBf16(src[so + rowPos(d, D)]);
    }
}
