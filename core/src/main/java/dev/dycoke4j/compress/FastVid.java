package dev.dycoke4j.compress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * FastVID (Shen et al., NeurIPS 2025), as its official block before LLaVA-OneVision's decoder layer 0 does it, on the
 * pooled tokens of one video with two frame-level signals from SigLIP's attention-pooling head ({@link FrameSignals}):
 * <ol>
 *   <li>DySeg: cosine similarity of consecutive frames' pooled embeddings; the video is cut at the {@code c - 1} lowest
 *   similarities and wherever one is below τ;</li>
 *   <li>per frame {@code retain = int(T·R)} tokens: {@code retain - int(retain·d)} salient ones (the highest probe
 *   attention), copied, and the rest as anchors picked by DPC-kNN (k = 4) among the frame's other tokens;</li>
 *   <li>anchors: a single-frame segment's frame keeps its own; in a longer segment only every p-th frame counted from
 *   the end gets anchors, {@code context·L // ceil(L/p)} each, and every non-salient token of the segment joins its
 *   most similar anchor of that frame. An anchor becomes {@code w·anchor + (1-w)·mean(joined)}, with
 *   {@code w = max(1/(count+1), β)}.</li>
 * </ol>
 * The output is sorted by source index (FastVID keeps the original positions for RoPE). Distances and scores are
 * computed in double. Where the official code raises (too few tokens retained per frame for any anchor; a
 * frame asked for more anchors than it has non-salient tokens; {@code c - 1} above the frame gaps), this one refuses
 * the first and caps the others: with fewer frames than c every gap is cut, and a frame gives at most all its
 * non-salient tokens as anchors.
 */
public final class FastVid {
    /** The paper's settings ({@code scripts/eval.sh}). */
    public static final double PAPER_RATIO = 0.10, PAPER_TAU = 0.9, PAPER_D = 0.4, PAPER_BETA = 0.6;
    public static final int PAPER_C = 8, PAPER_P = 4;
    /** The neighbours of the density (the official {@code k=4}, the token itself included). */
    private static final int KNN = 4;

    /** Kinds of output token, as the golden files record them. */
    public static final int SALIENT = 1, SINGLE_FRAME_ANCHOR = 2, SEGMENT_ANCHOR = 3;

    /**
     * The hyperparameters.
     *
     * @param ratio R, the retained ratio per frame
     * @param c     DySeg's minimum number of segments (cuts at the c - 1 lowest similarities)
     * @param tau   DySeg's similarity threshold: a lower one cuts
     * @param d     STPrune's share of the retained tokens that are anchors
     * @param p     DTM's anchor-frame stride in a segment
     * @param beta  DTM's lowest weight of an anchor against the mean of the tokens that joined it
     */
    public record Params(double ratio, int c, double tau, double d, int p, double beta) {
        /** The paper's settings at {@code ratio}. */
        public static Params paper(double ratio) {
            return new Params(ratio, PAPER_C, PAPER_TAU, PAPER_D, PAPER_P, PAPER_BETA);
        }
    }

    /**
     * The two frame-level signals of SigLIP's pooling head: the probe's attention to each token (head-averaged, pooled
     * like the features), [frames·T], and each frame's pooled embedding, [frames·dim].
     */
    public record FrameSignals(float[] probeAttention, float[] embedding, int dim) {
        public FrameSignals {
            if (dim <= 0 || embedding.length % dim != 0)
                throw new IllegalArgumentException("frame embeddings of " + embedding.length + " floats are not rows of " + dim);
        }

        public int frames() {
            return embedding.length / dim;
        }
    }

    /** What one video gave: the tokens (source index = kept position), their kinds, the segment lengths, anchors per frame. */
    public record Result(VisualTokens tokens, int[] kind, int[] segments, int[] frameContext) {
    }

    private final Params params;

    public FastVid(Params p) {
        this.params = p;
    }

    /** Per frame: the tokens retained, the salient ones, and the anchors a single-frame segment gives. */
    public record Counts(int retain, int salient, int context) {
    }

    /** The per-frame counts for {@code T} tokens per frame. */
    public Counts counts(int T) {
        int retain = (int) (T * params.ratio);
        int salient = retain - (int) (retain * params.d);
        return new Counts(retain, salient, retain - salient);
    }

    /**
     * FastVID on every pooled token of a video. {@code noise} is the official code's tie-break draw ([F, T - salient],
     * added to the densities times 1e-6), to follow a recorded run; null for none.
     */
    public Result run(VisualTokens in, FrameSignals signals, float[] noise) {
        int F = in.frames(), T = in.tokensPerFrame(), D = in.dim();
        if (in.count() != F * T) throw new IllegalArgumentException("fastvid needs every pooled token, got " + in.count() + " of " + F * T);
        if (signals.frames() != F || signals.probeAttention().length != F * T)
            throw new IllegalArgumentException("fastvid's frame signals cover " + signals.frames() + " frames and " + signals.probeAttention().length
                    + " tokens, the video " + F + " frames of " + T);
        Counts k = counts(T);
        if (k.context < 1) {
            int least = 1;
            while (least <= T && (int) (least * params.d) < 1) least++;
            throw new InvalidOptionException("ratio", String.format(java.util.Locale.ROOT,
                    "%s keeps int(%d·%s) = %d tokens per frame, too few for an anchor: fastvid needs at least %d of %d per frame (ratio ≥ %.4f)",
                    params.ratio, T, params.ratio, k.retain, least, T, (double) least / T));
        }
        int n = T - k.salient;
        if (noise != null && noise.length != F * n) throw new IllegalArgumentException("fastvid's noise has " + noise.length + " values, not " + F * n);
        float[] x = in.features();

        int[] segments = segments(signals);
        int[] frameContext = anchorsPerFrame(segments, k.context);

        List<float[]> rows = new ArrayList<>();
        List<Integer> src = new ArrayList<>(), kinds = new ArrayList<>();
        int[][] filtered = new int[F][];
        double[][] score = new double[F][];
        for (int f = 0; f < F; f++) {
            int[] salient = top(probeRow(signals.probeAttention(), f, T), k.salient);
            boolean[] isSalient = new boolean[T];
            for (int t : salient) {
                isSalient[t] = true;
                rows.add(Arrays.copyOfRange(x, (f * T + t) * D, (f * T + t + 1) * D));
                src.add(f * T + t);
                kinds.add(SALIENT);
            }
            filtered[f] = new int[n];
            for (int t = 0, j = 0; t < T; t++) if (!isSalient[t]) filtered[f][j++] = f * T + t;
            score[f] = densityScore(x, D, filtered[f], noise, f * n);
        }
        // anchors of frames that are their own segment (and, with p = 1, of every frame)
        for (int f = 0; f < F; f++) {
            if (frameContext[f] != k.context) continue;
            int[] anchors = pick(filtered[f], top(score[f], k.context));
            merge(x, D, anchors, filtered[f], rows);
            for (int a : anchors) {
                src.add(a);
                kinds.add(SINGLE_FRAME_ANCHOR);
            }
        }
        // anchors of the frames that hold a longer segment's, each merging the whole segment's non-salient tokens
        for (int s = 0, f0 = 0; s < segments.length; f0 += segments[s], s++) {
            int L = segments[s];
            if (L == 1) continue;
            int want = frameContext[f0 + L - 1];
            int[] members = new int[L * n];
            for (int f = f0; f < f0 + L; f++) System.arraycopy(filtered[f], 0, members, (f - f0) * n, n);
            for (int f = f0; f < f0 + L; f++) {
                if (frameContext[f] <= k.context) continue;
                int[] anchors = pick(filtered[f], top(score[f], Math.min(want, n)));
                merge(x, D, anchors, members, rows);
                for (int a : anchors) {
                    src.add(a);
                    kinds.add(SEGMENT_ANCHOR);
                }
            }
        }

        Integer[] order = new Integer[src.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Integer.compare(src.get(a), src.get(b)));
        float[] out = new float[order.length * D];
        int[] outSrc = new int[order.length], outKind = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            System.arraycopy(rows.get(order[i]), 0, out, i * D, D);
            outSrc[i] = src.get(order[i]);
            outKind[i] = kinds.get(order[i]);
        }
        float[] sal = in.saliency() == null ? null : new float[order.length];
        if (sal != null) for (int i = 0; i < order.length; i++) sal[i] = in.saliency()[outSrc[i]];
        return new Result(new VisualTokens(out, order.length, D, outSrc, F, T, sal), outKind, segments, frameContext);
    }

    /** DySeg: the segment lengths, frame after frame. */
    int[] segments(FrameSignals s) {
        int F = s.frames(), G = s.dim();
        float[] g = s.embedding();
        double[] sim = new double[F - 1];
        for (int f = 0; f + 1 < F; f++) {
            double dot = 0, na = 0, nb = 0;
            for (int j = 0; j < G; j++) {
                double a = g[f * G + j], b = g[(f + 1) * G + j];
                dot += a * b;
                na += a * a;
                nb += b * b;
            }
            sim[f] = dot / Math.sqrt(na) / Math.sqrt(nb);
        }
        TreeSet<Integer> cuts = new TreeSet<>();
        double[] neg = new double[F - 1];
        for (int i = 0; i < F - 1; i++) {
            neg[i] = -sim[i];
            if (sim[i] < params.tau) cuts.add(i);
        }
        for (int i : top(neg, Math.min(params.c - 1, F - 1))) cuts.add(i);
        int[] sizes = new int[cuts.size() + 1];
        int prev = -1, j = 0;
        for (int cut : cuts) {
            sizes[j++] = cut - prev;
            prev = cut;
        }
        sizes[j] = F - 1 - prev;
        return sizes;
    }

    /** Anchors per frame: a segment's every p-th frame from its end gets {@code context·L // ceil(L/p)}, the others none. */
    int[] anchorsPerFrame(int[] segments, int context) {
        int F = Arrays.stream(segments).sum();
        int[] out = new int[F];
        int f0 = 0;
        for (int L : segments) {
            int per = context * L / ((L + params.p - 1) / params.p);
            for (int j = 0; j < L; j++) if ((L - 1 - j) % params.p == 0) out[f0 + j] = per;
            f0 += L;
        }
        return out;
    }

    /**
     * DPC-kNN's score of each of {@code rows}: density {@code exp(-mean of the squared distances to the 4 nearest)}
     * (distances over sqrt(dim), the row itself included) times the distance to the nearest denser row (or to the
     * farthest pair's distance when none is denser).
     */
    private static double[] densityScore(float[] x, int D, int[] rows, float[] noise, int noiseAt) {
        int n = rows.length;
        double[][] dist = new double[n][n];
        double max = 0, scale = Math.sqrt(D);
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) {
                double s = 0;
                int a = rows[i] * D, b = rows[j] * D;
                for (int c = 0; c < D; c++) {
                    double d = (double) x[a + c] - x[b + c];
                    s += d * d;
                }
                dist[i][j] = dist[j][i] = Math.sqrt(s) / scale;
                max = Math.max(max, dist[i][j]);
            }
        double[] density = new double[n];
        for (int i = 0; i < n; i++) {
            double[] sorted = dist[i].clone();
            Arrays.sort(sorted);
            double m = 0;
            for (int j = 0; j < Math.min(KNN, n); j++) m += sorted[j] * sorted[j];
            density[i] = Math.exp(-m / Math.min(KNN, n)) + (noise == null ? 0 : noise[noiseAt + i] * 1e-6);
        }
        double[] score = new double[n];
        for (int i = 0; i < n; i++) {
            double nearest = max;
            for (int j = 0; j < n; j++) if (density[j] > density[i]) nearest = Math.min(nearest, dist[i][j]);
            score[i] = nearest * density[i];
        }
        return score;
    }

    /**
     * Each anchor becomes {@code w·anchor + (1-w)·mean(members that join it)}, {@code w = max(1/(count+1), β)}; a member
     * joins the anchor of highest cosine similarity (the first on a tie). Adds the merged anchors to {@code out}.
     */
    private void merge(float[] x, int D, int[] anchors, int[] members, List<float[]> out) {
        int A = anchors.length;
        double[][] unit = new double[A][];
        for (int a = 0; a < A; a++) unit[a] = unit(x, anchors[a], D);
        double[][] sum = new double[A][D];
        int[] count = new int[A];
        for (int m : members) {
            double[] u = unit(x, m, D);
            int best = 0;
            double bestSim = Double.NEGATIVE_INFINITY;
            for (int a = 0; a < A; a++) {
                double s = 0;
                for (int c = 0; c < D; c++) s += u[c] * unit[a][c];
                if (s > bestSim) {
                    bestSim = s;
                    best = a;
                }
            }
            count[best]++;
            for (int c = 0; c < D; c++) sum[best][c] += x[m * D + c];
        }
        for (int a = 0; a < A; a++) {
            double w = Math.max(1.0 / (count[a] + 1), params.beta);
            float[] r = new float[D];
            for (int c = 0; c < D; c++)
                r[c] = (float) (w * x[anchors[a] * D + c] + (1 - w) * sum[a][c] / Math.max(count[a], 1));
            out.add(r);
        }
    }

    private static double[] unit(float[] x, int row, int D) {
        double s = 0;
        for (int c = 0; c < D; c++) s += (double) x[row * D + c] * x[row * D + c];
        double norm = Math.sqrt(s);
        double[] u = new double[D];
        for (int c = 0; c < D; c++) u[c] = x[row * D + c] / norm;
        return u;
    }

    private static double[] probeRow(float[] probe, int f, int T) {
        double[] r = new double[T];
        for (int t = 0; t < T; t++) r[t] = probe[f * T + t];
        return r;
    }

    private static int[] pick(int[] rows, int[] at) {
        int[] r = new int[at.length];
        for (int i = 0; i < at.length; i++) r[i] = rows[at[i]];
        return r;
    }

    /** The positions of the {@code k} largest values, largest first (the lower position first on a tie). */
    static int[] top(double[] v, int k) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < v.length; i++) idx[i] = i;
        Arrays.sort(idx, (a, b) -> v[a] != v[b] ? Double.compare(v[b], v[a]) : Integer.compare(a, b));
        int[] r = new int[k];
        for (int i = 0; i < k; i++) r[i] = idx[i];
        return r;
    }
}
