package dev.dycoke4j.llm;

import dev.dycoke4j.kernel.VectorExp;
import dev.dycoke4j.kernel.VectorWidth;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;
import java.util.Random;

/** Picks the next token from logits: greedy (temperature 0) or temperature with nucleus (top-p) sampling. */
public final class Sampler {
    private final float temperature, topP;
    private final Random random;
    /** Doubles at the engine's vector width (half its floats). */
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED.withShape(VectorWidth.FLOAT.vectorShape());
    /** The probabilities of the last call, reused. */
    private double[] p;

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

    /**
     * Samples an index of {@code logits[off, off + n)}: the argmax at temperature 0, else from the softmax at the
     * temperature, within the nucleus: the fewest most probable tokens (ties in index order, as a stable sort by
     * descending probability lists them) whose probabilities reach top-p of the whole. Reuses its arrays from call to
     * call (a vocabulary's doubles are a megabyte a token), so one sampler serves one sequence at a time.
     */
    public int sample(float[] logits, int off, int n) {
        if (temperature == 0f) return argmax(logits, off, n);
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, logits[off + i]);
        if (p == null || p.length < n) p = new double[n];
        double[] p = this.p;
        for (int i = 0; i < n; i++) p[i] = (logits[off + i] - max) / temperature;
        expInPlace(p, n);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += p[i];
        if (topP >= 1f) {
            double r = random.nextDouble() * sum;
            for (int i = 0; i < n; i++) {
                r -= p[i];
                if (r <= 0) return i;
            }
            return n - 1;
        }
        Integer[] order = nucleusCandidates(p, n, topP * sum);
        Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a])); // stable: ties stay in index order
        double acc = 0;
        int count = 0;
        while (count < order.length && acc < topP * sum) acc += p[order[count++]];
        double r = random.nextDouble() * acc;
        for (int j = 0; j < count; j++) {
            r -= p[order[j]];
            if (r <= 0) return order[j];
        }
        return order[count - 1];
    }

    /**
     * {@code p[i] = e^p[i]} over {@code [0, n)} by {@link VectorExp}'s double form, lanes at once, its scalar twin for
     * the tail (the same bits either way, compiled or not): a vocabulary's {@code Math.exp} one by one was several
     * milliseconds a token, once per sequence in every decode step of a batch.
     */
    static void expInPlace(double[] p, int n) {
        int i = 0;
        for (int upper = D.loopBound(n); i < upper; i += D.length()) VectorExp.exp(DoubleVector.fromArray(D, p, i)).intoArray(p, i);
        for (; i < n; i++) p[i] = VectorExp.exp(p[i]);
    }

    /**
     * The indices, in order, of every probability at least τ, for the largest τ (1, 1/16, 1/256, ... down to 0: all) at
     * which they add up to {@code target}: the nucleus is a prefix of them in descending order, since every probability
     * left out is smaller than each kept one and the kept ones already reach the target. Usually a few passes over the
     * vocabulary and a handful of tokens to sort, where sorting the whole vocabulary cost tens of milliseconds a token.
     */
    private static Integer[] nucleusCandidates(double[] p, int n, double target) {
        for (double tau = 1; ; tau /= 16) {
            if (tau < Double.MIN_NORMAL) tau = 0;
            double kept = 0;
            int count = 0;
            for (int i = 0; i < n; i++)
                if (p[i] >= tau) {
                    kept += p[i];
                    count++;
                }
            if (kept >= target || tau == 0) {
                Integer[] order = new Integer[count];
                for (int i = 0, c = 0; i < n; i++) if (p[i] >= tau) order[c++] = i;
                return order;
            }
        }
    }
}
