package dev.dycoke4j.llm;

import java.util.Arrays;
import java.util.Random;

/** Picks the next token from logits: greedy (temperature 0) or temperature with nucleus (top-p) sampling. */
public final class Sampler {
    private final float temperature, topP;
    private final Random random;

    public Sampler(float temperature, float topP, long seed) {
        if (!(temperature >= 0)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        this.temperature = temperature;
        this.topP = topP;
        this.random = new Random(seed);
    }

    public static Sampler greedy() {
        return new Sampler(0f, 1f, 0);
    }

    /** Index of the largest logit (the first one on ties, as torch.argmax). */
    public static int argmax(float[] logits, int off, int n) {
        int best = 0;
        float bv = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++)
            if (logits[off + i] > bv) {
                bv = logits[off + i];
                best = i;
            }
        return best;
    }

    public int sample(float[] logits, int off, int n) {
        if (temperature == 0f) return argmax(logits, off, n);
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, logits[off + i]);
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) sum += p[i] = Math.exp((logits[off + i] - max) / temperature);
        Integer[] order = null;
        int count = n;
        if (topP < 1f) {
            order = new Integer[n];
            for (int i = 0; i < n; i++) order[i] = i;
            final double[] pp = p;
            Arrays.sort(order, (a, b) -> Double.compare(pp[b], pp[a]));
            double acc = 0;
            count = 0;
            while (count < n && acc < topP * sum) acc += p[order[count++]];
            sum = acc;
        }
        double r = random.nextDouble() * sum;
        for (int j = 0; j < count; j++) {
            int i = order == null ? j : order[j];
            r -= p[i];
            if (r <= 0) return i;
        }
        return order == null ? n - 1 : order[count - 1];
    }
}
