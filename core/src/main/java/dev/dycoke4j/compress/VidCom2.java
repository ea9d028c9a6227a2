package dev.dycoke4j.compress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * VidCom2 (Liu et al., EMNLP 2025), as its official {@code vidcom2_compression} does it on LLaVA-OneVision's flattened
 * pooled tokens:
 * <ol>
 *   <li>the half of the channels with the lowest variance over the whole video (population variance), each token
 *   L2-normalised over them;</li>
 *   <li>per token, Gaussian similarities to the video mean and to its frame's mean, summed over 2σ² ∈ {1/4, ..., 4};</li>
 *   <li>per frame a scale {@code min(1, r·(1 + p_f - mean(p)))}, p the softmax (temperature 0.01) of minus the frame's
 *   mean video similarity: frames unlike the video get more tokens;</li>
 *   <li>per frame {@code k_f = max(1, round_half_even(scale_f·T))} tokens with the lowest summed similarity (the
 *   outliers), in position order, frame after frame.</li>
 * </ol>
 * As in the official code, the total is not forced to {@code r·F·T} (8 frames of 16 at r = 0.25 keep 33). Scores are
 * computed in double, so that decisions whose float32 margins are a few ulps follow the exact values.
 */
public final class VidCom2 implements Compressor {
    /** The paper's default retained ratio. */
    public static final double PAPER_RATIO = 0.25;
    /** The kernels {@code exp(-d²/(2a))}, a = 1/8 ... 2 (the official {@code alphas}). */
    private static final double[] ALPHAS = {0.125, 0.25, 0.5, 1, 2};
    private static final double TEMPERATURE = 0.01;
    private static final double NORM_EPS = 1e-12;

    private final double ratio;

    /** @param ratio the base scale r (the official {@code base_scale}), in (0, 1] */
    public VidCom2(double ratio) {
        Budget.checkRatio("vidcom2", ratio);
        this.ratio = ratio;
    }

    /** The tokens kept per frame ({@code frame_k}) and the kept rows (frame-major indices), ascending. */
    public record Selection(int[] frameKeep, int[] kept) {
    }

    @Override
    public VisualTokens compress(VisualTokens in) {
        return in.select(select(in).kept());
    }

    /** The selection on every pooled token of a video, frame-major. */
    public Selection select(VisualTokens in) {
        int F = in.frames(), T = in.tokensPerFrame(), D = in.dim();
        if (in.count() != F * T) throw new IllegalArgumentException("vidcom2 needs every pooled token, got " + in.count() + " of " + F * T);
        double[][] x = normalisedLowVarianceChannels(in.features(), F * T, D);
        int C = x[0].length;
        double[] video = new double[C];
        double[][] frameMean = new double[F][C];
        for (int f = 0; f < F; f++)
            for (int t = 0; t < T; t++)
                for (int c = 0; c < C; c++) frameMean[f][c] += x[f * T + t][c];
        for (int f = 0; f < F; f++)
            for (int c = 0; c < C; c++) {
                video[c] += frameMean[f][c];
                frameMean[f][c] /= T;
            }
        for (int c = 0; c < C; c++) video[c] /= (double) F * T;

        double[] videoScore = new double[F * T], score = new double[F * T];
        for (int i = 0; i < F * T; i++) {
            videoScore[i] = gaussians(x[i], video);
            score[i] = videoScore[i] + gaussians(x[i], frameMean[i / T]);
        }
        int[] frameKeep = frameKeep(videoScore, F, T);
        int[] kept = new int[Arrays.stream(frameKeep).sum()];
        int n = 0;
        for (int f = 0; f < F; f++) for (int t : lowest(score, f * T, T, frameKeep[f])) kept[n++] = f * T + t;
        return new Selection(frameKeep, kept);
    }

    /** k_f per frame from the frames' mean similarity to the video (the official {@code compute_scales}). */
    private int[] frameKeep(double[] videoScore, int F, int T) {
        double[] s = new double[F];
        double max = Double.NEGATIVE_INFINITY;
        for (int f = 0; f < F; f++) {
            double m = 0;
            for (int t = 0; t < T; t++) m += videoScore[f * T + t];
            s[f] = -m / T;
            max = Math.max(max, s[f]);
        }
        double sum = 0;
        for (int f = 0; f < F; f++) sum += s[f] = Math.exp((s[f] - max) / TEMPERATURE);
        double meanP = 0;
        for (int f = 0; f < F; f++) meanP += s[f] /= sum;
        meanP /= F;
        int[] k = new int[F];
        for (int f = 0; f < F; f++) {
            double scale = Math.min(1.0, ratio * (1 + s[f] - meanP));
            k[f] = (int) Math.max(1, Math.rint(scale * T));
        }
        return k;
    }

    /** The {@code k} positions of frame rows {@code from..from+T-1} with the lowest score (lower position on ties), ascending. */
    private static int[] lowest(double[] score, int from, int T, int k) {
        Integer[] order = new Integer[T];
        for (int t = 0; t < T; t++) order[t] = t;
        Arrays.sort(order, Comparator.comparingDouble(t -> score[from + t]));
        int[] r = new int[k];
        for (int i = 0; i < k; i++) r[i] = order[i];
        Arrays.sort(r);
        return r;
    }

    private static double gaussians(double[] x, double[] centre) {
        double d = 0;
        for (int c = 0; c < x.length; c++) {
            double e = x[c] - centre[c];
            d += e * e;
        }
        double s = 0;
        for (double a : ALPHAS) s += Math.exp(-d / (2 * a));
        return s;
    }

    /** The {@code floor(D/2)} channels of lowest population variance over all rows, each row L2-normalised over them. */
    private static double[][] normalisedLowVarianceChannels(float[] v, int n, int D) {
        double[] mean = new double[D], var = new double[D];
        for (int i = 0; i < n; i++) for (int c = 0; c < D; c++) mean[c] += v[i * D + c];
        for (int c = 0; c < D; c++) mean[c] /= n;
        for (int i = 0; i < n; i++)
            for (int c = 0; c < D; c++) {
                double e = v[i * D + c] - mean[c];
                var[c] += e * e;
            }
        List<Integer> channels = new ArrayList<>();
        for (int c = 0; c < D; c++) channels.add(c);
        channels.sort(Comparator.comparingDouble(c -> var[c]));
        int C = D / 2;
        double[][] x = new double[n][C];
        for (int i = 0; i < n; i++) {
            double norm = 0;
            for (int j = 0; j < C; j++) {
                double e = v[i * D + channels.get(j)];
                x[i][j] = e;
                norm += e * e;
            }
            norm = Math.max(Math.sqrt(norm), NORM_EPS);
            for (int j = 0; j < C; j++) x[i][j] /= norm;
        }
        return x;
    }
}
