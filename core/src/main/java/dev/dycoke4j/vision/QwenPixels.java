package dev.dycoke4j.vision;

/**
 * A video preprocessed for the Qwen2.5-VL vision tower: {@code pixel_values_videos} {@code [t·h·w, C·T·P·P]} and
 * its {@code video_grid_thw}.
 *
 * <p>Rows are patches in merge-unit order {@code [t, h/2, w/2, 2, 2]} (the 4 patches of one LLM token are
 * consecutive); the columns of a row are {@code [channel, frame of the pair, y, x]}, the layout of the Conv3d kernel.
 *
 * @param values the patch rows
 * @param gridT  temporal patches (frame pairs)
 * @param gridH  patch rows per frame
 * @param gridW  patch columns per frame
 */
public record QwenPixels(float[] values, int gridT, int gridH, int gridW) {
    public QwenPixels {
        if (gridT <= 0 || gridH <= 0 || gridW <= 0)
            throw new IllegalArgumentException("grid " + gridT + "x" + gridH + "x" + gridW);
        long patches = (long) gridT * gridH * gridW;
        if (values.length % patches != 0)
            throw new IllegalArgumentException(values.length + " pixel values do not split into " + patches + " patches");
    }

    /** {@code t·h·w}. */
    public int patches() {
        return gridT * gridH * gridW;
    }

    /** {@code video_grid_thw} of this video: {t, h, w}. */
    public int[] gridThw() {
        return new int[]{gridT, gridH, gridW};
    }
}
