package dev.dycoke4j.compress;

import java.util.Random;

/** Seeded synthetic pooled videos for the compressor tests. */
final class Synthetic {
    private Synthetic() {
    }

    /**
     * {@code frames} x {@code tokensPerFrame} tokens of {@code dim} Gaussian features, with a positive, heavy-tailed
     * (log-normal) saliency, like attention received.
     */
    static VisualTokens video(int frames, int tokensPerFrame, int dim, long seed) {
        Random r = new Random(seed);
        int n = frames * tokensPerFrame;
        float[] x = new float[n * dim];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        float[] s = new float[n];
        for (int i = 0; i < n; i++) s[i] = (float) (Math.exp(r.nextGaussian()) / tokensPerFrame);
        return VisualTokens.pooled(x, frames, tokensPerFrame, dim, s);
    }

    /** The same tokens without saliency. */
    static VisualTokens withoutSaliency(VisualTokens v) {
        return VisualTokens.pooled(v.features(), v.frames(), v.tokensPerFrame(), v.dim());
    }

    /** Output rows per frame (by source index). */
    static int[] perFrame(VisualTokens out) {
        int[] c = new int[out.frames()];
        for (int s : out.sourceIndex()) c[s / out.tokensPerFrame()]++;
        return c;
    }

    static float[] row(VisualTokens v, int i) {
        return java.util.Arrays.copyOfRange(v.features(), i * v.dim(), (i + 1) * v.dim());
    }
}
