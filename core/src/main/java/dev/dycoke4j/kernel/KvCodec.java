package dev.dycoke4j.kernel;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two compact encodings of KV rows for a tiered KV cache.
 *
 * <ul>
 *   <li>int8: symmetric, one float scale per row segment ({@code max|x| / 127}), values rounded to the nearest
 *   integer (ties to even) and clamped to ±127; a value decodes as {@code q · scale}, within {@code scale / 2}.</li>
 *   <li>bf16: the upper 16 bits of the float32, rounded to nearest even; relative error at most 2<sup>-9</sup>.</li>
 * </ul>
 *
 * Decoding is vectorised: bytes (or shorts) are widened straight into float lanes.
 */
public final class KvCodec {
    static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    /** Bytes loaded per step: as many as F has lanes, but at least the smallest (64-bit) shape. */
    static final VectorSpecies<Byte> B = ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(Math.max(64, F.length() * 8)));
    static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(Math.max(64, F.length() * 16)));
    static final VectorSpecies<Integer> I = VectorWidth.INT;
    /** Float vectors produced from one byte (short) vector. */
    static final int B_PARTS = B.length() / F.length(), S_PARTS = S.length() / F.length();

    private KvCodec() {
    }

    /**
     * Quantizes {@code x[xo, xo+n)} to {@code q[qo, qo+n)} with one symmetric scale and returns the scale
     * ({@code max|x| / 127}; 0 for an all-zero segment).
     */
    public static float quantizeInt8(float[] x, int xo, byte[] q, int qo, int n) {
        float max = 0;
        for (int i = 0; i < n; i++) max = Math.max(max, Math.abs(x[xo + i]));
        float scale = max / 127f;
        if (!Float.isFinite(scale)) throw new IllegalArgumentException("cannot quantize a KV row holding " + max);
        if (scale == 0) {
            java.util.Arrays.fill(q, qo, qo + n, (byte) 0);
            return 0f;
        }
        for (int i = 0; i < n; i++) {
            float r = (float) Math.rint(x[xo + i] / scale);
            q[qo + i] = (byte) Math.max(-127, Math.min(127, (int) r));
        }
        return scale;
    }

    /** {@code out[oo + i] = q[qo + i] · scale} for i in [0, n). */
    public static void dequantizeInt8(byte[] q, int qo, float scale, float[] out, int oo, int n) {
        int i = 0, ub = B.loopBound(n), L = F.length();
        if (ub > 0) {
            FloatVector s = FloatVector.broadcast(F, scale);
            for (; i < ub; i += B.length()) {
                ByteVector b = ByteVector.fromArray(B, q, qo + i);
                for (int part = 0; part < B_PARTS; part++)
                    ((FloatVector) b.convertShape(VectorOperators.B2F, F, part)).mul(s).intoArray(out, oo + i + part * L);
            }
        }
        for (; i < n; i++) out[oo + i] = q[qo + i] * scale;
    }

    /** The float32 nearest-even rounded to bf16 (NaN stays NaN). */
    public static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    public static float fromBf16(short h) {
        return Float.intBitsToFloat(h << 16);
    }

    public static void encodeBf16(float[] x, int xo, short[] h, int ho, int n) {
        for (int i = 0; i < n; i++) h[ho + i] = toBf16(x[xo + i]);
    }

    /** {@code out[oo + i] = fromBf16(h[ho + i])} for i in [0, n). */
    public static void decodeBf16(short[] h, int ho, float[] out, int oo, int n) {
        int i = 0, ub = S.loopBound(n), L = F.length();
        for (; i < ub; i += S.length()) {
            ShortVector s = ShortVector.fromArray(S, h, ho + i);
            for (int part = 0; part < S_PARTS; part++)
                ((IntVector) s.convertShape(VectorOperators.S2I, I, part)).lanewise(VectorOperators.LSHL, 16)
                        .reinterpretAsFloats().intoArray(out, oo + i + part * L);
        }
        for (; i < n; i++) out[oo + i] = fromBf16(h[ho + i]);
    }
}
