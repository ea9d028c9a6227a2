package dev.dycoke4j.tensor;

/** Element types found in safetensors files, with their size in bytes. */
public enum DType {
    F32(4), F16(2), BF16(2), F64(8), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    public final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** The safetensors name ("F32", "BF16", ...), or null when unknown. */
    public static DType parse(String name) {
        for (DType t : values()) if (t.name().equals(name)) return t;
        return null;
    }

    public boolean isFloat() {
        return this == F32 || this == F16 || this == BF16 || this == F64;
    }
}
