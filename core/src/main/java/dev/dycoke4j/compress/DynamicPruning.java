package dev.dycoke4j.compress;

import dev.dycoke4j.llm.KvCache;

import java.util.Arrays;

/**
 * DyCoke's dynamic pruning of the KV cache (DP), for one request. At every decode step it reads the new token's
 * attention at layer L-1 (averaged over query heads) over the visual span, and picks the top {@code int(n·(1-P))}
 * visual positions that layers L and above attend to; every non-visual position stays attended, kept keys keep their
 * original RoPE positions, and pruned positions stay in the cache, so a later step can recall them. The prefill is
 * never pruned. By default pruned entries stay in the float cache; with the {@link Store#COMPACT} store they move to
 * a compact int8 or bf16 store, which saves memory (see {@link Store}).
 *
 * <ul>
 *   <li>{@link Mode#OFFICIAL}, as the official code: the span has n = visual tokens − 1 (so the last visual token and
 *   the newline are always attended). A step re-selects when the cosine similarity of its span attention with the
 *   previous step's is below 0.9 (the first step always does); otherwise it attends to the full cache.</li>
 *   <li>{@link Mode#REUSE}: the span is every visual token; while attention is stable it keeps the previous
 *   selection instead of the full cache.</li>
 *   <li>{@link Mode#ALWAYS}: the span is every visual token; it re-selects at every step.</li>
 * </ul>
 */
public final class DynamicPruning implements DecodePruning {
    public enum Mode { OFFICIAL, REUSE, ALWAYS }

    /**
     * Where pruned entries live. {@link #FULL}: in the float cache, untouched (the official behaviour, no memory saved).
     * {@link #COMPACT}: at a re-selecting step, the visual entries of layers ≥ L outside the selection move to a compact
     * store (int8 or bf16, see {@link KvCache#retier}) and selected compact ones are recalled; steps that attend to the
     * full cache read compact entries in place.
     */
    public enum Store { FULL, COMPACT }

    /** Attention is "stable" from one step to the next at this cosine similarity or above. */
    public static final float STABLE = 0.9f;

    private final Mode mode;
    private final int layer;
    private final double p;
    private final int start, visual, span;
    private float[] previous;
    private int[] selected;
    private int steps, reselections;
    private long attendedSum;
    private final int[] attendedPerStep;
    private final KvCache.CompactType compact;
    private boolean reselected;

    /**
     * @param layer  L: layers L and above are pruned; the probabilities come from layer L-1 (so L ≥ 1)
     * @param p      the pruning ratio P in [0, 1)
     * @param start  the first visual position in the prompt
     * @param visual visual tokens, without the newline token
     * @param maxSteps decode steps to record
     */
    public DynamicPruning(Mode mode, int layer, double p, int start, int visual, int maxSteps) {
        this(mode, layer, p, start, visual, maxSteps, null);
    }

    /**
     * As above; with {@code compact} not null, pruned visual entries of layers ≥ L move to a compact store of that type
     * at every re-selecting step (the {@link Store#COMPACT} store), and are recalled when selected again.
     */
    public DynamicPruning(Mode mode, int layer, double p, int start, int visual, int maxSteps, KvCache.CompactType compact) {
        if (layer < 1) throw new IllegalArgumentException("the DP layer L must be at least 1, got " + layer);
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("the DP pruning ratio P must be in [0, 1), got " + p);
        if (visual < 1) throw new IllegalArgumentException("DP needs visual tokens in the prompt");
        this.mode = mode;
        this.layer = layer;
        this.p = p;
        this.start = start;
        this.visual = visual;
        this.span = mode == Mode.OFFICIAL ? visual - 1 : visual;
        this.attendedPerStep = new int[Math.max(0, maxSteps)];
        this.compact = compact;
    }

    @Override
    public int probeLayer() {
        return layer - 1;
    }

    /** Visual positions of the span kept when re-selecting: int(n·(1-P)), with 1-P in double as the official code. */
    public int keepCount() {
        return (int) (span * (1 - p));
    }

    @Override
    public int[] select(float[] probs, int len) {
        float[] att = Arrays.copyOfRange(probs, start, start + span);
        float sim = previous == null ? 0f : cosine(att, previous);
        previous = att;
        boolean reselect = mode == Mode.ALWAYS || sim < STABLE || (mode == Mode.REUSE && selected == null);
        reselected = reselect;
        int[] active;
        if (reselect) {
            selected = topK(att, keepCount());
            reselections++;
            active = activeWith(selected, len);
        } else if (mode == Mode.REUSE) {
            active = activeWith(selected, len);
        } else {
            active = null; // official: a stable step attends to the full cache
        }
        int attended = active == null ? visual : selectedVisual(active);
        if (steps < attendedPerStep.length) attendedPerStep[steps] = attended;
        attendedSum += attended;
        steps++;
        return active;
    }

    /** With the compact store, a re-selecting step moves the pruned visual entries out and recalls the selected ones. */
    @Override
    public void afterSelect(KvCache cache, int[] active) {
        if (compact != null && reselected) cache.retier(layer, start, visual, active, compact);
    }

    /** The official span leaves the last visual token out, so a selection attends to it besides the chosen ones. */
    @Override
    public int attendedAtSelection() {
        return mode == Mode.OFFICIAL ? keepCount() + 1 : keepCount();
    }

    @Override
    public KvCache.CompactType compactType() {
        return compact;
    }

    /** Where pruned entries live. */
    public Store store() {
        return compact == null ? Store.FULL : Store.COMPACT;
    }

    /** Every position but the span, plus the chosen span offsets. */
    private int[] activeWith(int[] chosen, int len) {
        int[] a = new int[len - span + chosen.length];
        int n = 0;
        for (int i = 0; i < start; i++) a[n++] = i;
        for (int c : chosen) a[n++] = start + c;
        for (int i = start + span; i < len; i++) a[n++] = i;
        return a;
    }

    private int selectedVisual(int[] active) {
        int c = 0;
        for (int pos : active) if (pos >= start && pos < start + visual) c++;
        return c;
    }

    /** Offsets of the k largest values (ties to the lower offset), in ascending offset order. */
    static int[] topK(float[] a, int k) {
        Integer[] idx = new Integer[a.length];
        for (int i = 0; i < a.length; i++) idx[i] = i;
        Arrays.sort(idx, (x, y) -> a[y] != a[x] ? Float.compare(a[y], a[x]) : Integer.compare(x, y));
        int[] r = new int[k];
        for (int i = 0; i < k; i++) r[i] = idx[i];
        Arrays.sort(r);
        return r;
    }

    /** torch's cosine_similarity of two whole vectors, as TTM computes it. */
    static float cosine(float[] a, float[] b) {
        return Ttm.cosine(a, 0, b, 0, a.length);
    }

    public Mode mode() {
        return mode;
    }

    @Override
    public int layer() {
        return layer;
    }

    /** Decode steps seen. */
    public int steps() {
        return steps;
    }

    /** Steps that chose a new selection. */
    public int reselections() {
        return reselections;
    }

    /** Visual tokens (newline excluded) attended at layers ≥ L at each decode step. */
    public int[] attendedPerStep() {
        return Arrays.copyOf(attendedPerStep, Math.min(steps, attendedPerStep.length));
    }

    /** The mean over decode steps of the visual tokens attended at layers ≥ L (all of them when no step ran). */
    @Override
    public double attendedMean() {
        return steps == 0 ? visual : (double) attendedSum / steps;
    }
}
