package dev.dycoke4j.llm;

import dev.dycoke4j.io.Qwen25VlConfig;

import java.util.List;

/**
 * Qwen2.5-VL's M-RoPE positions of a prompt (transformers' {@code get_rope_index}): text tokens take consecutive
 * positions, equal on the three axes; the tokens of a video, which follow its {@code <|vision_start|>}, take
 * (base + temporal index, base + row, base + column) over the merged grid, base being the position after
 * {@code <|vision_start|>}; the temporal index of grid step g is {@code g · second_per_grid · tokens_per_second},
 * truncated to an integer. The rope delta is the largest position + 1 minus the number of tokens: generated token s
 * (counting the prompt's tokens) goes at {@code s + delta}.
 *
 * <p>Versions disagree in two places, both options here:
 * <ul>
 *   <li>where the text after a video starts: at the largest position + 1 ({@link TextAfterVideo#MAX_PLUS_ONE},
 *   transformers 4.x and vLLM) or at base + max(grid rows, grid columns) ({@link TextAfterVideo#BASE_PLUS_LARGER_SIDE},
 *   transformers 5.x after PR #45400). The default is the first: it is the rule the released checkpoints were
 *   trained and evaluated with (Qwen's own code and transformers up to 4.5x), and vLLM serves them so; the 5.x rule
 *   lets text positions fall back below a long video's temporal positions.</li>
 *   <li>whether second_per_grid is truncated to an integer before it scales the temporal index
 *   ({@link SecondsPerGrid#TRUNCATED}: transformers 4.5x and 5.x before PR #48669, and vLLM's EVS path) or kept as a
 *   float ({@link SecondsPerGrid#FLOAT}: transformers 4.49, after #48669, and vLLM's ordinary path). The default is
 *   the float: truncation puts every grid step at the same temporal position whenever frames are sampled faster than
 *   the temporal patch per second (spg &lt; 1, e.g. 4 fps), which the fix in #48669 calls a regression; at the usual
 *   2 fps (spg 1.0) the two agree.</li>
 * </ul>
 *
 * <p>{@link #evs} places a video pruned by EVS as vLLM does ({@code recompute_mrope_positions}): each kept token keeps
 * its unpruned position, and the text after the video starts at base + grid columns.
 */
public final class MropeIndex {
    /** Where the text after a video starts. */
    public enum TextAfterVideo { MAX_PLUS_ONE, BASE_PLUS_LARGER_SIDE }

    /** How second_per_grid scales the temporal index. */
    public enum SecondsPerGrid { FLOAT, TRUNCATED }

    /**
     * One video's grid of merged tokens (after the spatial merge: the rows and columns of the LLM's grid), frame-major
     * then row-major, and the seconds one temporal grid step spans (temporal patch size / sampling fps).
     */
    public record VideoGrid(int t, int h, int w, double secondsPerGrid) {
        public VideoGrid {
            if (t < 1 || h < 1 || w < 1) throw new IllegalArgumentException("a video grid needs positive sizes, got " + t + "x" + h + "x" + w);
            if (!(secondsPerGrid >= 0) || Double.isInfinite(secondsPerGrid))
                throw new IllegalArgumentException("seconds per grid step must be a finite non-negative number, got " + secondsPerGrid);
        }

        public int tokens() {
            return t * h * w;
        }
    }

    /** The positions of every prompt token and the rope delta for the tokens generated after them. */
    public record Result(Positions positions, int ropeDelta) {
    }

    private final int visionStartId, videoTokenId;
    private final double tokensPerSecond;
    private final TextAfterVideo after;
    private final SecondsPerGrid spg;

    public MropeIndex(int visionStartId, int videoTokenId, double tokensPerSecond, TextAfterVideo after, SecondsPerGrid spg) {
        if (!(tokensPerSecond > 0)) throw new IllegalArgumentException("tokens per second must be positive, got " + tokensPerSecond);
        this.visionStartId = visionStartId;
        this.videoTokenId = videoTokenId;
        this.tokensPerSecond = tokensPerSecond;
        this.after = after;
        this.spg = spg;
    }

    /** With the defaults (text after at the largest position + 1, seconds per grid as a float). */
    public MropeIndex(int visionStartId, int videoTokenId, double tokensPerSecond) {
        this(visionStartId, videoTokenId, tokensPerSecond, TextAfterVideo.MAX_PLUS_ONE, SecondsPerGrid.FLOAT);
    }

    /** The token ids and tokens_per_second of a checkpoint, with the defaults. */
    public static MropeIndex of(Qwen25VlConfig cfg) {
        return new MropeIndex(cfg.visionStartTokenId(), cfg.videoTokenId(), cfg.tokensPerSecond());
    }

    public MropeIndex with(TextAfterVideo rule) {
        return new MropeIndex(visionStartId, videoTokenId, tokensPerSecond, rule, spg);
    }

    public MropeIndex with(SecondsPerGrid rule) {
        return new MropeIndex(visionStartId, videoTokenId, tokensPerSecond, after, rule);
    }

    /**
     * The positions of {@code ids}, whose i-th run of video tokens is the whole grid {@code grids.get(i)}.
     *
     * @throws IllegalArgumentException if the runs of video tokens and the grids do not match one to one
     */
    public Result positions(int[] ids, List<VideoGrid> grids) {
        return place(ids, grids, null, true);
    }

    /**
     * The positions of {@code ids} whose videos were pruned by EVS: the i-th run of video tokens holds the tokens
     * {@code kept.get(i)} (ascending indices into the unpruned grid {@code grids.get(i)}). Each keeps its unpruned
     * position; the text after the video continues from base + the grid's columns, as vLLM does.
     */
    public Result evs(int[] ids, List<VideoGrid> grids, List<int[]> kept) {
        if (kept.size() != grids.size()) throw new IllegalArgumentException(grids.size() + " video grids but " + kept.size() + " lists of kept tokens");
        return place(ids, grids, kept, true);
    }

    /**
     * As {@link #evs}, for a pre-LLM method that keeps the tokens {@code kept.get(i)} of video i in the order it places
     * them (distinct indices into the unpruned grid, in any order: TTM, say, keeps each frame's tokens by similarity).
     * Each keeps its unpruned position, so pruning does not shift the timeline; the text after the video continues
     * from base + the grid's columns, as for EVS.
     */
    public Result pruned(int[] ids, List<VideoGrid> grids, List<int[]> kept) {
        if (kept.size() != grids.size()) throw new IllegalArgumentException(grids.size() + " video grids but " + kept.size() + " lists of kept tokens");
        return place(ids, grids, kept, false);
    }

    private Result place(int[] ids, List<VideoGrid> grids, List<int[]> kept, boolean ascending) {
        int n = ids.length;
        int[] t = new int[n], h = new int[n], w = new int[n];
        int next = 0, video = 0, max = -1;
        for (int i = 0; i < n; ) {
            if (ids[i] != videoTokenId) {
                t[i] = h[i] = w[i] = next++;
                max = Math.max(max, t[i]);
                i++;
                continue;
            }
            if (i == 0 || ids[i - 1] != visionStartId)
                throw new IllegalArgumentException("video token at " + i + " does not follow a vision start token");
            if (video == grids.size()) throw new IllegalArgumentException("the ids hold more videos than the " + grids.size() + " grids given");
            int end = i;
            while (end < n && ids[end] == videoTokenId) end++;
            VideoGrid g = grids.get(video);
            int[] idx = kept == null ? null : kept.get(video);
            int count = idx == null ? g.tokens() : idx.length;
            if (end - i != count)
                throw new IllegalArgumentException("video " + video + " has " + (end - i) + " tokens in the ids, but " + count
                        + (idx == null ? " in its " + g.t() + "x" + g.h() + "x" + g.w() + " grid" : " kept"));
            int base = next, hw = g.h() * g.w(), prev = -1;
            boolean[] seen = ascending ? null : new boolean[g.tokens()];
            for (int k = 0; k < count; k++) {
                int j = idx == null ? k : idx[k];
                if (ascending && (j <= prev || j >= g.tokens()))
                    throw new IllegalArgumentException("kept token " + j + " of video " + video + " is not ascending within its " + g.tokens() + " tokens");
                if (!ascending && (j < 0 || j >= g.tokens() || seen[j]))
                    throw new IllegalArgumentException("kept token " + j + " of video " + video + " is repeated or outside its " + g.tokens() + " tokens");
                if (seen != null) seen[j] = true;
                prev = j;
                t[i + k] = base + temporal(j / hw, g.secondsPerGrid());
                h[i + k] = base + (j / g.w()) % g.h();
                w[i + k] = base + j % g.w();
                max = Math.max(max, Math.max(t[i + k], Math.max(h[i + k], w[i + k])));
            }
            if (idx != null) next = base + g.w();
            else if (after == TextAfterVideo.BASE_PLUS_LARGER_SIDE) next = base + Math.max(g.h(), g.w());
            else next = max + 1;
            video++;
            i = end;
        }
        if (video != grids.size()) throw new IllegalArgumentException("the ids hold " + video + " videos but " + grids.size() + " grids were given");
        return new Result(Positions.of(t, h, w), max + 1 - n);
    }

    /** The temporal index of grid step g, computed in float32 and truncated, as torch does. */
    private int temporal(int g, double secondsPerGrid) {
        float scale = spg == SecondsPerGrid.TRUNCATED ? (float) (long) secondsPerGrid : (float) secondsPerGrid;
        return (int) ((float) g * scale * (float) tokensPerSecond);
    }
}
