package dev.dycoke4j.compress;

/**
 * The language model's dimensions that the budgets other than {@link BudgetKind#TOKENS} depend on.
 *
 * @param layers         decoder layers
 * @param hidden         hidden size d
 * @param mlp            MLP size m
 * @param kvHeads        key-value heads
 * @param headDim        dimension of one head
 * @param kvElementBytes bytes per element of the KV cache's active store (4 for float32, 2 for bfloat16)
 */
public record ModelCost(int layers, int hidden, int mlp, int kvHeads, int headDim, int kvElementBytes) {
    public ModelCost {
        if (layers < 1 || hidden < 1 || mlp < 1 || kvHeads < 1 || headDim < 1 || kvElementBytes < 1)
            throw new IllegalArgumentException("model dimensions must be positive: " + layers + ", " + hidden + ", " + mlp + ", " + kvHeads
                    + ", " + headDim + ", " + kvElementBytes);
    }

    /** Bytes of one position's keys and values in one layer, at {@code elementBytes} per element. */
    long rowBytes(int elementBytes) {
        return 2L * kvHeads * headDim * elementBytes;
    }
}
