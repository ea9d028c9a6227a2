package dev.dycoke4j.vision;

import dev.dycoke4j.io.Checkpoint;
import dev.dycoke4j.io.Qwen25VlVisionConfig;
import dev.dycoke4j.io.Weights;
import dev.dycoke4j.kernel.Linear;

/**
 * The Qwen2.5-VL vision tower ({@code Qwen2_5_VisionTransformerPretrainedModel}): patch rows of
 * {@link QwenPixels} to one feature per merged token ({@code video_embeds}).
 *
 * <ol>
 *   <li>The Conv3d patch embedding (kernel = stride = 2x14x14, no bias) as a linear over each flattened patch, its
 *       weight read as {@code [hidden, C·2·14·14]};</li>
 *   <li>merge units reordered window by window ({@link QwenWindowIndex}), with their 2D rotary angles;</li>
 *   <li>the blocks ({@link QwenVisionBlock}): windowed attention, or attention over a whole temporal patch for the
 *       {@code fullatt_block_indexes};</li>
 *   <li>the {@link QwenPatchMerger}, then the inverse reorder, so that the output rows are frame-major, then
 *       row-major over each temporal patch's merged grid.</li>
 * </ol>
 * The encode runs in pieces ({@link QwenPass}), one group of windows' share of one op at a time; {@link #encode} runs
 * them back to back. Weights are read as the hub checkpoints name them ({@code visual.*}) or as transformers 4.52 and later save them
 * ({@code model.visual.*}); F32, BF16 and F16 as {@link Weights} reads them.
 */
public final class QwenVisionTower {
    private final Qwen25VlVisionConfig c;
    private final Linear patch;
    private final QwenVisionRotary rotary;
    private final QwenVisionBlock[] blocks;
    private final QwenPatchMerger merger;

    /** Sees the tower's intermediates, for tests and traces; the arrays must not be changed. */
    public interface Observer {
        /** The residual stream after block {@code block}, {@code [patches, hidden]} in the tower's window order. */
        default void afterBlock(int block, float[] hidden) {
        }

        /** The merger's output in the window order, {@code [tokens, out_hidden]}. */
        default void mergerOutput(float[] merged) {
        }
    }

    public QwenVisionTower(Weights w, Qwen25VlVisionConfig c) {
        this.c = c;
        String p = prefix(w.checkpoint());
        int d = c.hiddenSize();
        var pw = w.checkpoint().weight(p + "patch_embed.proj.weight", d, c.inChans(), c.temporalPatchSize(),
                c.patchSize(), c.patchSize()).reshape(d, c.patchDim());
        patch = new Linear(Weights.gemmReady(pw), null);
        rotary = new QwenVisionRotary(c.headDim());
        blocks = new QwenVisionBlock[c.depth()];
        for (int i = 0; i < blocks.length; i++) blocks[i] = new QwenVisionBlock(w, c, p + "blocks." + i + ".");
        merger = new QwenPatchMerger(w, c, p + "merger.");
    }

    /** {@code visual.} (hub checkpoints) or {@code model.visual.} (transformers 4.52 and later). */
    static String prefix(Checkpoint ck) {
        if (ck.has("visual.patch_embed.proj.weight")) return "visual.";
        if (ck.has("model.visual.patch_embed.proj.weight")) return "model.visual.";
        ck.weight("visual.patch_embed.proj.weight"); // throws the one-line missing-tensor error
        throw new IllegalStateException("unreachable");
    }

    public Qwen25VlVisionConfig config() {
        return c;
    }

    /** Tokens the tower gives for {@code gridThw}: patches / 4. */
    public int tokens(int[] gridThw) {
        return QwenWindowIndex.of(gridThw, c).patches() / c.mergeUnit();
    }

    /** {@code video_embeds} {@code [tokens, out_hidden]} of pixel rows {@code [t·h·w, C·2·14·14]}. */
    public float[] encode(float[] pixelValues, int[] gridThw) {
        return encode(pixelValues, gridThw, new Observer() {
        });
    }

    /** As {@link #encode(float[], int[])}, showing the intermediates to {@code observer}: its {@link #pass} run to the end. */
    public float[] encode(float[] pixelValues, int[] gridThw, Observer observer) {
        QwenPass pass = pass(pixelValues, gridThw, QwenPass.ROWS, observer);
        while (!pass.done()) pass.step();
        return pass.embeds();
    }

    /**
     * The encode of pixel rows {@code [t·h·w, C·2·14·14]} in pieces ({@link QwenPass}), none run yet.
     *
     * @throws IllegalArgumentException when the grid is malformed or the pixels are not its patches
     */
    public QwenPass pass(float[] pixelValues, int[] gridThw) {
        return pass(pixelValues, gridThw, QwenPass.ROWS, new Observer() {
        });
    }

    /** As above, in groups of at most {@code rows} patches, showing the intermediates to {@code observer}. */
    QwenPass pass(float[] pixelValues, int[] gridThw, int rows, Observer observer) {
        return new QwenPass(this, blocks, merger, rotary, pixelValues, gridThw, rows, observer);
    }

    /**
     * The patch embedding, {@code [patches, hidden]} in the input's row order.
     *
     * @throws IllegalArgumentException when {@code pixelValues} is not {@code patches} rows of {@link Qwen25VlVisionConfig#patchDim()}
     */
    public float[] embedPatches(float[] pixelValues, int patches) {
        if (pixelValues.length != (long) patches * c.patchDim())
            throw new IllegalArgumentException("pixel values hold " + pixelValues.length + " values, not " + patches
                    + " patches of " + c.patchDim());
        return patch.apply(pixelValues, patches);
    }

    /** The patch embedding of {@code rows} pixel rows into {@code out} {@code [rows, hidden]}. */
    void embedRows(float[] pixelRows, int rows, float[] out) {
        patch.apply(pixelRows, rows, out);
    }

    /** {@code rot_pos_ids}: (row, column) of each patch, {@code [patches, 2]}, in the input's row order. */
    public static int[] rotPosIds(int[] gridThw, int merge) {
        return QwenVisionRotary.positionIds(gridThw, merge);
    }
}
