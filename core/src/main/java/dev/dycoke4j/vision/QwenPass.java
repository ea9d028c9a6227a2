package dev.dycoke4j.vision;

import dev.dycoke4j.io.Qwen25VlVisionConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * One encode of a video through the Qwen2.5-VL vision tower, in pieces that a caller runs one at a time
 * ({@link #step}) with other work between them (a server's decode steps). The patches, in the tower's window order,
 * are cut into groups: whole windows of one temporal patch, at most {@link #ROWS} patches (one window when a window is
 * larger), so that a piece is one group's share of one op, a few GFLOP at the 3B shape. In order: each group's patch
 * embedding ({@code embed}); then block by block: in a windowed block, group by group, RMSNorm1, q, k, v and the
 * rotation ({@code qkv}), the attention within the group's windows ({@code attend}), the projection and the residual
 * ({@code out}), RMSNorm2, gate, up and SiLU ({@code fc1}), down and the residual ({@code fc2}); in a full-attention
 * block, temporal patch by temporal patch, first every group's {@code qkv}, then per group its queries over the whole
 * patch's keys ({@code attend-full}), {@code out}, {@code fc1} and {@code fc2}; then per group the merger's
 * {@code ln_q}, {@code mlp.0} and GELU ({@code merge}) and its {@code mlp.2} ({@code merge-out}).
 *
 * <p>Every value of a row depends only on its own group's rows, but for the keys and values a full-attention block's
 * queries see, which are complete before any of them attends. {@link QwenVisionTower#encode} runs these same pieces
 * back to back, so the values do not depend on what ran between them. Besides the residual stream and the output, the
 * scratch is one group's rows and, with full-attention blocks, one temporal patch's q, k and v. Not thread-safe.
 */
public final class QwenPass {
    /** Most patches in a group: 8 windows of the 3B and 7B towers (64 patches each). */
    public static final int ROWS = 512;

    private enum Op {
        EMBED("embed"), QKV("qkv"), ATTEND("attend"), ATTEND_FULL("attend-full"), OUT("out"), FC1("fc1"), FC2("fc2"),
        MERGE("merge"), MERGE_OUT("merge-out");

        final String label;

        Op(String label) {
            this.label = label;
        }
    }

    private static final Op[] OPS = Op.values();

    private final QwenVisionTower tower;
    private final QwenVisionBlock[] blocks;
    private final QwenPatchMerger merger;
    private final QwenVisionRotary rotary;
    private final QwenVisionTower.Observer observer;
    private final Qwen25VlVisionConfig c;
    private final float[] pixels;
    private final int[] order;
    /** Group g's rows are {@code start[g]..start[g+1]}, in temporal patch {@code segment[g]}. */
    private final int[] start, segment;
    /** Group g's window boundaries, relative to its first row. */
    private final int[][] windows;
    private final int[] cuSeqlens;
    private final float[] x, cos, sin, pixelRows, mergeHidden, mergeOut, merged;
    private final QwenVisionBlock.Buffers b;
    /** The pieces in order, each {@code (op · (depth + 1) + block + 1) · groups + group}. */
    private final int[] schedule;
    private int next;
    private float[] embeds;

    QwenPass(QwenVisionTower tower, QwenVisionBlock[] blocks, QwenPatchMerger merger, QwenVisionRotary rotary, float[] pixelValues,
             int[] gridThw, int rows, QwenVisionTower.Observer observer) {
        this.tower = tower;
        this.blocks = blocks;
        this.merger = merger;
        this.rotary = rotary;
        this.observer = observer;
        this.c = tower.config();
        QwenWindowIndex wi = QwenWindowIndex.of(gridThw, c);
        int n = wi.patches(), d = c.hiddenSize(), unit = c.mergeUnit();
        if (pixelValues.length != (long) n * c.patchDim())
            throw new IllegalArgumentException("pixel values hold " + pixelValues.length + " values, not " + n
                    + " patches of " + c.patchDim());
        if (rows < 1) throw new IllegalArgumentException("a group needs at least one row, got " + rows);
        this.pixels = pixelValues;
        this.order = wi.windowIndex();
        this.cuSeqlens = wi.cuSeqlens();
        List<int[]> groups = groups(wi.cuWindowSeqlens(), cuSeqlens, rows);
        int G = groups.size();
        start = new int[G + 1];
        segment = new int[G];
        windows = new int[G][];
        int most = 0;
        for (int g = 0; g < G; g++) {
            int[] w = groups.get(g);
            start[g] = w[1];
            segment[g] = w[0];
            windows[g] = new int[w.length - 1];
            for (int i = 1; i < w.length; i++) windows[g][i - 1] = w[i] - w[1];
            start[g + 1] = w[w.length - 1];
            most = Math.max(most, start[g + 1] - start[g]);
        }
        int longest = 0;
        for (int s = 0; s + 1 < cuSeqlens.length; s++) longest = Math.max(longest, cuSeqlens[s + 1] - cuSeqlens[s]);
        boolean anyFull = false;
        for (int i = 0; i < blocks.length; i++) anyFull |= c.isFullAttention(i);
        x = new float[n * d];
        float[][] cs = rotary.tables(reorder(QwenVisionRotary.positionIds(gridThw, c.spatialMergeSize()), order, unit * 2));
        cos = cs[0];
        sin = cs[1];
        b = new QwenVisionBlock.Buffers(most, anyFull ? longest : 0, c);
        pixelRows = new float[most * c.patchDim()];
        mergeHidden = new float[most / unit * merger.wide()];
        mergeOut = new float[most / unit * c.outHiddenSize()];
        merged = new float[n / unit * c.outHiddenSize()];
        schedule = schedule(G);
    }

    /**
     * Groups of whole windows ({@code cuWindows}), none across a temporal patch ({@code cuSeqlens}) or above
     * {@code rows} patches unless one window is: each as its temporal patch, then its window boundaries.
     */
    private static List<int[]> groups(int[] cuWindows, int[] cuSeqlens, int rows) {
        List<int[]> out = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        int s = 0;
        for (int w = 0; w + 1 < cuWindows.length; w++) {
            int lo = cuWindows[w], hi = cuWindows[w + 1];
            boolean newPatch = false;
            while (lo >= cuSeqlens[s + 1]) {
                s++;
                newPatch = true;
            }
            if (current.isEmpty() || newPatch || hi - current.get(1) > rows) {
                if (!current.isEmpty()) out.add(current.stream().mapToInt(Integer::intValue).toArray());
                current = new ArrayList<>(List.of(s, lo));
            }
            current.add(hi);
        }
        if (!current.isEmpty()) out.add(current.stream().mapToInt(Integer::intValue).toArray());
        return out;
    }

    private int[] schedule(int G) {
        List<Integer> p = new ArrayList<>();
        for (int g = 0; g < G; g++) p.add(piece(Op.EMBED, -1, g));
        for (int l = 0; l < blocks.length; l++) {
            if (!c.isFullAttention(l)) {
                for (int g = 0; g < G; g++)
                    for (Op op : new Op[]{Op.QKV, Op.ATTEND, Op.OUT, Op.FC1, Op.FC2}) p.add(piece(op, l, g));
                continue;
            }
            for (int g0 = 0; g0 < G; ) {
                int g1 = g0;
                while (g1 < G && segment[g1] == segment[g0]) g1++;
                for (int g = g0; g < g1; g++) p.add(piece(Op.QKV, l, g));
                for (int g = g0; g < g1; g++)
                    for (Op op : new Op[]{Op.ATTEND_FULL, Op.OUT, Op.FC1, Op.FC2}) p.add(piece(op, l, g));
                g0 = g1;
            }
        }
        for (int g = 0; g < G; g++) {
            p.add(piece(Op.MERGE, -1, g));
            p.add(piece(Op.MERGE_OUT, -1, g));
        }
        return p.stream().mapToInt(Integer::intValue).toArray();
    }

    private int piece(Op op, int block, int group) {
        return (op.ordinal() * (blocks.length + 1) + block + 1) * groups() + group;
    }

    /** The groups of patches. */
    public int groups() {
        return segment.length;
    }

    /** The pieces of the whole pass. */
    public int pieces() {
        return schedule.length;
    }

    /** Whether every piece has run ({@link #embeds} is ready). */
    public boolean done() {
        return next == schedule.length;
    }

    /**
     * What the next piece does: {@code embed}, {@code qkv}, {@code attend}, {@code attend-full}, {@code out},
     * {@code fc1}, {@code fc2}, {@code merge} or {@code merge-out}.
     *
     * @throws IllegalStateException when the pass is complete
     */
    public String next() {
        if (done()) throw new IllegalStateException("the pass is complete");
        return op(schedule[next]).label;
    }

    private Op op(int piece) {
        return OPS[piece / groups() / (blocks.length + 1)];
    }

    /**
     * Runs the next piece.
     *
     * @throws IllegalStateException when the pass is complete
     */
    public void step() {
        if (done()) throw new IllegalStateException("the pass is complete");
        int piece = schedule[next], g = piece % groups(), l = block(piece);
        int r0 = start[g], rows = start[g + 1] - r0, s = segment[g], at = r0 - cuSeqlens[s];
        switch (op(piece)) {
            case EMBED -> embed(r0, rows);
            case QKV -> blocks[l].attentionInput(x, r0, rows, b, rotary, cos, sin, c.isFullAttention(l), at);
            case ATTEND -> blocks[l].attendWindows(rows, windows[g], b);
            case ATTEND_FULL -> blocks[l].attendFull(at, rows, cuSeqlens[s + 1] - cuSeqlens[s], b);
            case OUT -> blocks[l].attentionOutput(x, r0, rows, b);
            case FC1 -> blocks[l].mlpInput(x, r0, rows, b);
            case FC2 -> blocks[l].mlpOutput(x, r0, rows, b);
            case MERGE -> merger.hidden(x, r0, rows, b.xb, mergeHidden);
            case MERGE_OUT -> {
                int tokens = rows / c.mergeUnit(), out = c.outHiddenSize();
                merger.output(mergeHidden, tokens, mergeOut);
                System.arraycopy(mergeOut, 0, merged, r0 / c.mergeUnit() * out, tokens * out);
            }
        }
        next++;
        if (done()) observer.mergerOutput(merged);
        else if (l >= 0 && block(schedule[next]) != l) observer.afterBlock(l, x);
    }

    /** The block of a piece, -1 for the embedding and the merger. */
    private int block(int piece) {
        return piece / groups() % (blocks.length + 1) - 1;
    }

    /** The patch embedding of rows {@code r0..r0+rows} (window order), their pixel rows gathered from the input's order. */
    private void embed(int r0, int rows) {
        int unit = c.mergeUnit(), span = unit * c.patchDim();
        for (int u = r0 / unit, j = 0; j < rows / unit; u++, j++) System.arraycopy(pixels, order[u] * span, pixelRows, j * span, span);
        tower.embedRows(pixelRows, rows, b.out);
        System.arraycopy(b.out, 0, x, r0 * c.hiddenSize(), rows * c.hiddenSize());
    }

    /**
     * {@code video_embeds} {@code [tokens, out_hidden]}, rows in the input's order, once {@link #done}.
     *
     * @throws IllegalStateException when pieces remain
     */
    public float[] embeds() {
        if (!done()) throw new IllegalStateException("the pass is not complete: call step() until done()");
        if (embeds == null) {
            int out = c.outHiddenSize();
            embeds = new float[merged.length];
            for (int r = 0; r < order.length; r++) System.arraycopy(merged, r * out, embeds, order[r] * out, out);
        }
        return embeds;
    }

    /** Row groups of {@code group} values taken in the order of {@code index}: out group r is in group index[r]. */
    static int[] reorder(int[] a, int[] index, int group) {
        int[] out = new int[a.length];
        for (int r = 0; r < index.length; r++) System.arraycopy(a, index[r] * group, out, r * group, group);
        return out;
    }
}
