package dev.dycoke4j.bench;

import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/** The real shapes of LLaVA-OneVision-0.5B's linear layers and attention calls, and random data to feed them. */
final class Shapes {
    private Shapes() {
    }

    /** {@code {m, k, n}} of a named linear layer call: m input rows, k inputs, n outputs. */
    static int[] linear(String name) {
        return switch (name) {
            // Qwen2-0.5B prefill of 256 tokens: MLP up/gate, MLP down, attention q/o projections
            case "qwen_up" -> new int[] {256, 896, 4864};
            case "qwen_down" -> new int[] {256, 4864, 896};
            case "qwen_sq" -> new int[] {256, 896, 896};
            // SigLIP-so400m over 8 frames of 729 patches: fc1, fc2, q/k/v/o
            case "siglip_fc1" -> new int[] {5832, 1152, 4304};
            case "siglip_fc2" -> new int[] {5832, 4304, 1152};
            case "siglip_sq" -> new int[] {5832, 1152, 1152};
            // decode: one token through the MLP up projection, and through the tied LM head
            case "dec_up" -> new int[] {1, 896, 4864};
            case "dec_head" -> new int[] {1, 896, 151936};
            default -> throw new IllegalArgumentException("unknown shape " + name);
        };
    }

    static float[] randoms(int n, long seed, float scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        return a;
    }

    /** A random {@code [n, k]} weight off-heap (as a mapped checkpoint would be), in F32 or BF16. */
    static Tensor weight(int n, int k, DType dt, long seed) {
        long count = (long) n * k;
        MemorySegment seg = Arena.ofAuto().allocate(count * dt.bytes, 64);
        SplittableRandom r = new SplittableRandom(seed);
        ValueLayout.OfFloat f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        ValueLayout.OfShort i16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < count; i++) {
            float v = (float) ((r.nextDouble() * 2 - 1) * 0.05);
            switch (dt) {
                case F32 -> seg.setAtIndex(f32, i, v);
                case BF16 -> seg.setAtIndex(i16, i, (short) (Float.floatToRawIntBits(v) >>> 16));
                default -> throw new IllegalArgumentException(dt.toString());
            }
        }
        return new Tensor("w", dt, new long[] {n, k}, seg);
    }
}
