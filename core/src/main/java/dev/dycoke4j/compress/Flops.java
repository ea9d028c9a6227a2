package dev.dycoke4j.compress;

/**
 * LLM FLOPs by the formula of the FastV and DyCoke papers: for each layer with n tokens, hidden size d and MLP size
 * m, {@code 4nd² + 2n²d + 2ndm}. It counts the prefill, which is what token reduction changes most.
 */
public final class Flops {
    private Flops() {
    }

    public static double layer(long n, long d, long m) {
        return 4.0 * n * d * d + 2.0 * n * n * d + 2.0 * n * d * m;
    }

    /** The prefill of {@code layers} layers, of which those from {@code from} on see {@code nAbove} tokens instead of n. */
    public static double prefill(int layers, long n, int from, long nAbove, long d, long m) {
        double f = 0;
        for (int l = 0; l < layers; l++) f += layer(l < from ? n : nAbove, d, m);
        return f;
    }
}
