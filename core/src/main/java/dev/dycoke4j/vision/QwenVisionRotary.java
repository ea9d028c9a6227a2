package dev.dycoke4j.vision;

/**
 * The 2D rotary position embedding of the Qwen2.5-VL vision tower. A patch's position is its (row, column) in the
 * frame's patch grid; transformers' {@code VisionRotaryEmbedding(head_dim / 2)} gives {@code head_dim / 4}
 * frequencies {@code 1 / 10000^(2i / (head_dim/2))}, and the angles of a patch are the row times them followed by the
 * column times them ({@code head_dim / 2} angles). {@code cat(angles, angles)} then rotates dimension i with
 * i + head_dim/2 ("rotate half"). Angles are float32 products, as torch's {@code outer}.
 */
final class QwenVisionRotary {
    private static final double THETA = 10000.0;
    private final int headDim;
    private final float[] invFreq;

    QwenVisionRotary(int headDim) {
        if (headDim % 4 != 0) throw new IllegalArgumentException("2D rotary needs a head dim multiple of 4, got " + headDim);
        this.headDim = headDim;
        int dim = headDim / 2;
        invFreq = new float[dim / 2];
        for (int i = 0; i < invFreq.length; i++) {
            float exponent = (float) (2 * i) / dim;
            invFreq[i] = 1.0f / (float) Math.pow(THETA, exponent);
        }
    }

    /**
     * {@code rot_pos_ids}: (row, column) of every patch in the tower's input order (merge units of 2x2 patches,
     * row-major over the units, repeated for every temporal patch), {@code [patches, 2]}.
     */
    static int[] positionIds(int[] gridThw, int merge) {
        QwenWindowIndex.checkGrid(gridThw, merge);
        int n = 0;
        for (int v = 0; v < gridThw.length; v += 3) n += gridThw[v] * gridThw[v + 1] * gridThw[v + 2];
        int[] ids = new int[2 * n];
        int o = 0;
        for (int v = 0; v < gridThw.length; v += 3) {
            int t = gridThw[v], h = gridThw[v + 1], w = gridThw[v + 2];
            for (int g = 0; g < t; g++)
                for (int by = 0; by < h / merge; by++)
                    for (int bx = 0; bx < w / merge; bx++)
                        for (int my = 0; my < merge; my++)
                            for (int mx = 0; mx < merge; mx++) {
                                ids[o++] = by * merge + my;
                                ids[o++] = bx * merge + mx;
                            }
        }
        return ids;
    }

    /**
     * cos and sin tables {@code [patches, head_dim/2]} for patches at {@code ids} ({@code [patches, 2]}), in the row
     * order given.
     */
    float[][] tables(int[] ids) {
        int n = ids.length / 2, half = headDim / 2, q = invFreq.length;
        float[] cos = new float[n * half], sin = new float[n * half];
        for (int p = 0; p < n; p++) {
            float row = ids[2 * p], col = ids[2 * p + 1];
            for (int i = 0; i < q; i++) {
                float a = row * invFreq[i], b = col * invFreq[i];
                cos[p * half + i] = (float) Math.cos(a);
                sin[p * half + i] = (float) Math.sin(a);
                cos[p * half + q + i] = (float) Math.cos(b);
                sin[p * half + q + i] = (float) Math.sin(b);
            }
        }
        return new float[][]{cos, sin};
    }

    /**
     * Rotates every head of {@code x} {@code [n, heads·head_dim]} in place by rows {@code row0..row0+n} of the tables
     * of {@link #tables} (x's rows are those patches).
     */
    void apply(float[] x, int n, int heads, float[] cos, float[] sin, int row0) {
        int half = headDim / 2, d = heads * headDim;
        dev.dycoke4j.parallel.Parallel.forRange(n, 64, (lo, hi) -> {
            for (int p = lo; p < hi; p++)
                for (int h = 0; h < heads; h++) {
                    int o = p * d + h * headDim, t = (row0 + p) * half;
                    for (int i = 0; i < half; i++) {
                        float a = x[o + i], b = x[o + i + half];
                        x[o + i] = a * cos[t + i] - b * sin[t + i];
                        x[o + i + half] = b * cos[t + i] + a * sin[t + i];
                    }
                }
        });
    }
}
