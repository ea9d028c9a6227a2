package dev.dycoke4j.io;

import dev.dycoke4j.kernel.Linear;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Q8Matrix;
import dev.dycoke4j.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.function.Function;

/**
 * Reads typed model parameters out of a {@link Checkpoint}, checking each shape against the config. The language
 * model's linear layers ({@link #llmLinear}) are int8 when a quantizer is given ({@code --weights q8}); everything
 * else stays as stored.
 */
public final class Weights {
    private final Checkpoint ck;
    private final Function<Tensor, Q8Matrix> quantizer;

    public Weights(Checkpoint ck) {
        this(ck, null);
    }

    /** With {@code quantizer} (null: none) giving the int8 form of a language-model matrix. */
    public Weights(Checkpoint ck, Function<Tensor, Q8Matrix> quantizer) {
        this.ck = ck;
        this.quantizer = quantizer;
    }

    public Checkpoint checkpoint() {
        return ck;
    }

    /** A small vector (norm weight, bias) copied to the heap as floats. */
    public float[] vector(String name, int n) {
        return ck.weight(name, n).toFloatArray();
    }

    /** A matrix {@code [rows, cols]} usable by the GEMM: F32/BF16 as mapped, F16 widened once to F32 off-heap. */
    public Tensor matrix(String name, int rows, int cols) {
        return gemmReady(ck.weight(name, rows, cols));
    }

    public Linear linear(String prefix, int out, int in, boolean bias) {
        return new Linear(matrix(prefix + ".weight", out, in), bias ? vector(prefix + ".bias", out) : null);
    }

    /** A linear layer of the language model: as {@link #linear}, with int8 weights when loading quantized. */
    public Linear llmLinear(String prefix, int out, int in, boolean bias) {
        Tensor w = matrix(prefix + ".weight", out, in);
        return new Linear(w, q8(w), bias ? vector(prefix + ".bias", out) : null);
    }

    /** The int8 form of {@code w} when loading quantized and its width is a multiple of 32; null otherwise. */
    public Q8Matrix q8(Tensor w) {
        return quantizer == null || w.dim(1) % Q8Matrix.BLOCK != 0 ? null : quantizer.apply(w);
    }

    public static Tensor gemmReady(Tensor t) {
        if (t.dtype() != DType.F16) return t;
        MemorySegment seg = Arena.ofAuto().allocate(t.numel() * 4, 64);
        ValueLayout.OfFloat f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < t.numel(); i++) seg.setAtIndex(f32, i, t.getFloat(i));
        return new Tensor(t.name(), DType.F32, t.shape(), seg);
    }
}
