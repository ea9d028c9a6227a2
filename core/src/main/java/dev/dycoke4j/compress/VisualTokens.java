package dev.dycoke4j.compress;

/**
 * Visual tokens between pooling and the LLM: {@code count} rows of {@code dim} floats, and for each row the index it
 * had among the pooled tokens ({@code frame · tokensPerFrame + position}), in the order the rows go to the LLM.
 * {@code saliency}, when present, is the attention each token received in the vision tower's last layer (pooled
 * like the features), for methods that rank tokens by it; null otherwise.
 */
public record VisualTokens(float[] features, int count, int dim, int[] sourceIndex, int frames, int tokensPerFrame, float[] saliency) {
    public VisualTokens {
        if (features.length < (long) count * dim) throw new IllegalArgumentException(count + "x" + dim + " tokens need more than " + features.length + " floats");
        if (sourceIndex.length != count) throw new IllegalArgumentException(count + " tokens but " + sourceIndex.length + " source indices");
        if (saliency != null && saliency.length != count) throw new IllegalArgumentException(count + " tokens but " + saliency.length + " saliency values");
    }

    /** All pooled tokens of a video, in order. */
    public static VisualTokens pooled(float[] features, int frames, int tokensPerFrame, int dim) {
        return pooled(features, frames, tokensPerFrame, dim, null);
    }

    public static VisualTokens pooled(float[] features, int frames, int tokensPerFrame, int dim, float[] saliency) {
        int n = frames * tokensPerFrame;
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        return new VisualTokens(features, n, dim, idx, frames, tokensPerFrame, saliency);
    }

    /** The rows {@code rows} (indices into this object's rows), in that order. */
    public VisualTokens select(int[] rows) {
        float[] f = new float[rows.length * dim];
        int[] src = new int[rows.length];
        float[] sal = saliency == null ? null : new float[rows.length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(features, rows[i] * dim, f, i * dim, dim);
            src[i] = sourceIndex[rows[i]];
            if (sal != null) sal[i] = saliency[rows[i]];
        }
        return new VisualTokens(f, rows.length, dim, src, frames, tokensPerFrame, sal);
    }
}
