package dev.dycoke4j.kernel;

/**
 * The keys ({@link KeyPanels}) and values (rows of {@code kvHeads·D}) that {@link Attention}'s and
 * {@link IndexedAttention}'s shared blocked loops read: float32 ({@code keys}, {@code values}) or bfloat16 in
 * {@link Bf16}'s run layout ({@code keys16}, {@code values16}), exactly one pair set. Internal to the kernels: callers
 * use the {@code float[]} or {@code short[]} overloads, so the format is chosen by the type of what they pass.
 */
record KvArrays(float[] keys, float[] values, short[] keys16, short[] values16) {
    public KvArrays {
        boolean f32 = keys != null && values != null, bf16 = keys16 != null && values16 != null;
        if (f32 == bf16 || (f32 && (keys16 != null || values16 != null)) || (bf16 && (keys != null || values != null)))
            throw new IllegalArgumentException("give either float32 or bfloat16 keys and values");
    }

    static KvArrays f32(float[] keys, float[] values) {
        return new KvArrays(keys, values, null, null);
    }

    static KvArrays bf16(short[] keys, short[] values) {
        return new KvArrays(null, null, keys, values);
    }

    /** Elements of the key panels. */
    int keyLength() {
        return keys16 != null ? keys16.length : keys.length;
    }

    /** Elements of the value rows. */
    int valueLength() {
        return values16 != null ? values16.length : values.length;
    }
}
