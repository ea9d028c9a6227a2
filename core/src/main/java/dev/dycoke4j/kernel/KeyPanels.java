package dev.dycoke4j.kernel;

/**
 * Keys laid out for attention by broadcast FMAs: panels of {@link #KP} consecutive keys, each panel holding, for every
 * kv head g and element d, the {@code KP} keys' values side by side. Key s of kv head g, element d, is at
 * {@code ((s / KP)·kvHeads + g)·D·KP + d·KP + s % KP}. One vector load then gives one element of
 * {@code KP / 2} keys, so a query's scores come from FMAs over keys instead of a dot product and a horizontal sum per
 * key. Panels come one after the other, so an array of panels grows at its end ({@code Arrays.copyOf}) without
 * moving any key. Slots past the last key of the last panel are never read as keys: attention masks them.
 *
 * <p>{@code KP} is two vectors of floats, so the layout depends on the CPU's vector width: it is an in-memory form
 * only; anything stored or compared goes through rows ({@link #toRows}).
 *
 * <p>A 16-bit cache keeps the same panels as {@code short[]} bfloat16s, each element's {@code KP} keys being one
 * {@link Bf16} run: key {@code i} of a panel sits at lane {@link Bf16#lane}(i) of its element's row.
 */
public final class KeyPanels {
    /** Keys per panel: two float vectors. */
    public static final int KP = 2 * VectorWidth.FLOAT.length();

    private KeyPanels() {
    }

    /** Panels that hold {@code tokens} keys. */
    public static int panels(int tokens) {
        return (tokens + KP - 1) / KP;
    }

    /** Floats (or bfloat16s) of an array of panels for {@code tokens} keys. */
    public static int floats(int tokens, int kvHeads, int D) {
        long n = (long) panels(tokens) * kvHeads * D * KP;
        if (n > Integer.MAX_VALUE - 16) throw new IllegalArgumentException(tokens + " keys of " + kvHeads + " x " + D + " are too many for one array");
        return (int) n;
    }

    /** Keys an array of {@code floats} floats can hold (whole panels). */
    public static int capacity(int floats, int kvHeads, int D) {
        return floats / (kvHeads * D * KP) * KP;
    }

    /** Where panel {@code panel} of kv head g starts. */
    static int base(int panel, int g, int kvHeads, int D) {
        return (panel * kvHeads + g) * D * KP;
    }

    /**
     * Writes the keys of slots {@code [slot0, slot0 + n)}: row t ({@code kvHeads·D} floats, head after head) is
     * {@code src[so + t·stride ..]}.
     */
    public static void put(float[] kp, int kvHeads, int D, int slot0, int n, float[] src, int so, int stride) {
        for (int t = 0; t < n; t++) {
            int s = slot0 + t, lane = s % KP, p = s / KP;
            for (int g = 0; g < kvHeads; g++) {
                int dst = base(p, g, kvHeads, D) + lane, from = so + t * stride + g * D;
                for (int d = 0; d < D; d++) kp[dst + d * KP] = src[from + d];
            }
        }
    }

    /** Reads the keys of {@code slot} as a row ({@code kvHeads·D} floats) into {@code out[off..]}. */
    public static void get(float[] kp, int kvHeads, int D, int slot, float[] out, int off) {
        int lane = slot % KP, p = slot / KP;
        for (int g = 0; g < kvHeads; g++) {
            int src = base(p, g, kvHeads, D) + lane;
            for (int d = 0; d < D; d++) out[off + g * D + d] = kp[src + d * KP];
        }
    }

    /** Panels of {@code capacity} keys holding the first {@code n} rows of {@code rows} ({@code kvHeads·D} floats each). */
    public static float[] fromRows(float[] rows, int n, int capacity, int kvHeads, int D) {
        float[] kp = new float[floats(Math.max(n, capacity), kvHeads, D)];
        put(kp, kvHeads, D, 0, n, rows, 0, kvHeads * D);
        return kp;
    }

    /** The first {@code n} keys as rows, in an array of {@code capacity} rows (at least n). */
    public static float[] toRows(float[] kp, int n, int capacity, int kvHeads, int D) {
        int kvDim = kvHeads * D;
        float[] rows = new float[Math.max(n, capacity) * kvDim];
        for (int s = 0; s < n; s++) get(kp, kvHeads, D, s, rows, s * kvDim);
        return rows;
    }

    /** As {@link #put(float[], int, int, int, int, float[], int, int)}, into bfloat16 panels (rounded to nearest even). */
    public static void put(short[] kp, int kvHeads, int D, int slot0, int n, float[] src, int so, int stride) {
        for (int t = 0; t < n; t++) {
            int s = slot0 + t, lane = Bf16.lane(s % KP), p = s / KP;
            for (int g = 0; g < kvHeads; g++) {
                int dst = base(p, g, kvHeads, D) + lane, from = so + t * stride + g * D;
                for (int d = 0; d < D; d++) kp[dst + d * KP] = KvCodec.toBf16(src[from + d]);
            }
        }
    }

    /** As {@link #get(float[], int, int, int, float[], int)}, from bfloat16 panels (widened, exactly). */
    public static void get(short[] kp, int kvHeads, int D, int slot, float[] out, int off) {
        int lane = Bf16.lane(slot % KP), p = slot / KP;
        for (int g = 0; g < kvHeads; g++) {
            int src = base(p, g, kvHeads, D) + lane;
            for (int d = 0; d < D; d++) out[off + g * D + d] = KvCodec.fromBf16(kp[src + d * KP]);
        }
    }

    /** As {@link #toRows(float[], int, int, int, int)}, from bfloat16 panels. */
    public static float[] toRows(short[] kp, int n, int capacity, int kvHeads, int D) {
        int kvDim = kvHeads * D;
        float[] rows = new float[Math.max(n, capacity) * kvDim];
        for (int s = 0; s < n; s++) get(kp, kvHeads, D, s, rows, s * kvDim);
        return rows;
    }
}
