package dev.dycoke4j.vision;

import dev.dycoke4j.io.Qwen25VlVisionConfig;

import java.util.Arrays;

/**
 * The token order and attention segments of the Qwen2.5-VL vision tower, as transformers' {@code get_window_index}
 * and the tower's {@code cu_seqlens} make them.
 *
 * <p>Inside the tower, merged tokens (groups of 4 patches) are reordered window by window: each temporal patch's
 * merged grid is cut into windows of {@link Qwen25VlVisionConfig#mergedWindow()} squared tokens, row-major over the
 * windows, row-major within one. transformers pads the grid by {@code window − side % window}, so a side that is
 * already a multiple of the window gets a whole empty window; empty windows then repeat a boundary, which
 * {@code unique_consecutive} drops. Windowed blocks attend within {@link #cuWindowSeqlens()} segments, full-attention
 * blocks within {@link #cuSeqlens()} (one temporal patch each).
 *
 * @param windowIndex     merged-token order inside the tower: entry r is the original merged token at position r
 * @param cuWindowSeqlens window boundaries in patches, after dropping repeats, starting at 0
 * @param cuSeqlens       temporal-patch boundaries in patches, starting at 0
 */
public record QwenWindowIndex(int[] windowIndex, int[] cuWindowSeqlens, int[] cuSeqlens) {

    /**
     * For the videos of {@code gridThw} ({t, h, w} per video, concatenated).
     *
     * @throws IllegalArgumentException when the grid is malformed or a side is not a multiple of the merge size
     */
    public static QwenWindowIndex of(int[] gridThw, Qwen25VlVisionConfig c) {
        checkGrid(gridThw, c.spatialMergeSize());
        int ms = c.spatialMergeSize(), unit = c.mergeUnit(), win = c.mergedWindow();
        int merged = 0;
        for (int v = 0; v < gridThw.length; v += 3) merged += gridThw[v] * (gridThw[v + 1] / ms) * (gridThw[v + 2] / ms);
        int[] index = new int[merged];
        int filled = 0, base = 0;
        int[] cu = new int[1 + merged + 1]; // at most one boundary per non-empty window; empties are never added
        int cuN = 1;
        for (int v = 0; v < gridThw.length; v += 3) {
            int t = gridThw[v], lh = gridThw[v + 1] / ms, lw = gridThw[v + 2] / ms;
            int padH = win - lh % win, padW = win - lw % win;
            int nwh = (lh + padH) / win, nww = (lw + padW) / win;
            for (int g = 0; g < t; g++)
                for (int wy = 0; wy < nwh; wy++)
                    for (int wx = 0; wx < nww; wx++) {
                        int count = 0;
                        for (int y = wy * win; y < Math.min((wy + 1) * win, lh); y++)
                            for (int x = wx * win; x < Math.min((wx + 1) * win, lw); x++) {
                                index[filled++] = base + (g * lh + y) * lw + x;
                                count++;
                            }
                        // An empty window repeats the last boundary: unique_consecutive drops it.
                        if (count > 0) {
                            cu[cuN] = cu[cuN - 1] + count * unit;
                            cuN++;
                        }
                    }
            base += t * lh * lw;
        }
        int temporal = 0;
        for (int v = 0; v < gridThw.length; v += 3) temporal += gridThw[v];
        int[] full = new int[temporal + 1];
        int k = 1;
        for (int v = 0; v < gridThw.length; v += 3)
            for (int g = 0; g < gridThw[v]; g++, k++) full[k] = full[k - 1] + gridThw[v + 1] * gridThw[v + 2];
        return new QwenWindowIndex(index, Arrays.copyOf(cu, cuN), full);
    }

    static void checkGrid(int[] gridThw, int merge) {
        if (gridThw.length == 0 || gridThw.length % 3 != 0)
            throw new IllegalArgumentException("video_grid_thw needs {t, h, w} per video, got " + gridThw.length + " values");
        for (int v = 0; v < gridThw.length; v += 3)
            if (gridThw[v] <= 0 || gridThw[v + 1] <= 0 || gridThw[v + 2] <= 0 || gridThw[v + 1] % merge != 0 || gridThw[v + 2] % merge != 0)
                throw new IllegalArgumentException("video_grid_thw " + Arrays.toString(Arrays.copyOfRange(gridThw, v, v + 3))
                        + ": sides must be positive multiples of " + merge);
    }

    /** Patches in the videos. */
    public int patches() {
        return cuSeqlens[cuSeqlens.length - 1];
    }

    /** The inverse of {@link #windowIndex}: entry i is the position inside the tower of original merged token i. */
    public int[] inverse() {
        int[] inv = new int[windowIndex.length];
        for (int r = 0; r < windowIndex.length; r++) inv[windowIndex[r]] = r;
        return inv;
    }

    @Override
    public int[] windowIndex() {
        return windowIndex.clone();
    }

    @Override
    public int[] cuWindowSeqlens() {
        return cuWindowSeqlens.clone();
    }

    @Override
    public int[] cuSeqlens() {
        return cuSeqlens.clone();
    }
}
