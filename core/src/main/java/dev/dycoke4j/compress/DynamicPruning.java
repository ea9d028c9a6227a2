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
 * <p>After a method that drops visual rows inside the LLM at prefill (FastV, HoliTom's merge, FlashVID), layers hold
 * different visual rows. DP then selects among the rows each layer actually holds: the span is the span's tokens the
 * layer holds, ranked by the probe layer's attention, and the layer keeps {@code int(n_l·(1-P))} of its {@code n_l};
 * rows the probe layer lacks are none of the upper layers' either. The re-selection rule reads the probe layer's
 * span, and the attended count is the top layer's.
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
    /** When the layers hold different tokens: each upper layer's slots at this step (null: all), and its last choice. */
    private int[][] layerActive, layerChosen;

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

    /**
     * As {@link #select(float[], int)} on a cache whose layers from the probe up hold every token; otherwise (a prefill
     * hook dropped visual rows) each upper layer selects among the span's tokens it holds ({@link #activeAt}).
     */
    @Override
    public int[] select(float[] probs, int len, KvCache cache) {
        layerActive = null;
        for (int l = probeLayer(); l < cache.layers(); l++)
            if (!cache.holdsEvery(l)) return selectPerLayer(probs, cache);
        return select(probs, len);
    }

    @Override
    public int[] activeAt(int l, int[] selected) {
        return layerActive == null ? selected : layerActive[l];
    }

    /** The selection when layers hold different tokens; returns the slots of the first upper layer. */
    private int[] selectPerLayer(float[] probs, KvCache cache) {
        int probe = probeLayer(), layers = cache.layers();
        int ps = cache.slotsBefore(probe, start), pn = cache.slotsBefore(probe, start + span) - ps;
        float[] att = Arrays.copyOfRange(probs, ps, ps + pn);
        float sim = previous == null || previous.length != pn ? 0f : cosine(att, previous);
        previous = att;
        boolean reselect = mode == Mode.ALWAYS || sim < STABLE || (mode == Mode.REUSE && layerChosen == null);
        reselected = reselect;
        int[] ranked = reselect ? ranking(att) : null;
        layerActive = new int[layers][];
        if (reselect || mode == Mode.REUSE) {
            if (reselect) layerChosen = new int[layers][];
            for (int l = layer; l < layers; l++) {
                if (reselect) layerChosen[l] = l > layer && cache.sameTokens(l, l - 1) ? layerChosen[l - 1] : choose(ranked, ps, probe, l, cache);
                layerActive[l] = l > layer && cache.sameTokens(l, l - 1) && cache.length(l) == cache.length(l - 1)
                        ? layerActive[l - 1] : activeOf(layerChosen[l], l, cache);
            }
            reselections += reselect ? 1 : 0;
        } // official: a stable step attends to the full cache
        int top = layers - 1, ts = cache.slotsBefore(top, start), te = cache.slotsBefore(top, start + visual);
        int attended = 0;
        if (layerActive[top] == null) attended = te - ts;
        else for (int slot : layerActive[top]) if (slot >= ts && slot < te) attended++;
        if (steps < attendedPerStep.length) attendedPerStep[steps] = attended;
        attendedSum += attended;
        steps++;
        return layerActive[layer];
    }

    /** Offsets into the probe's span attention, most attended first (the lower offset on ties). */
    private static int[] ranking(float[] a) {
        Integer[] idx = new Integer[a.length];
        for (int i = 0; i < a.length; i++) idx[i] = i;
        Arrays.sort(idx, (x, y) -> a[y] != a[x] ? Float.compare(a[y], a[x]) : Integer.compare(x, y));
        int[] r = new int[a.length];
        for (int i = 0; i < r.length; i++) r[i] = idx[i];
        return r;
    }

    /**
     * The span tokens {@code l} keeps: of the span's tokens the layer holds (n of them), the int(n·(1-P)) the probe
     * attends to most, ascending.
     */
    private int[] choose(int[] ranked, int ps, int probe, int l, KvCache cache) {
        int n = cache.slotsBefore(l, start + span) - cache.slotsBefore(l, start), k = (int) (n * (1 - p)), c = 0;
        int[] chosen = new int[k];
        for (int i = 0; i < ranked.length && c < k; i++) {
            int token = cache.tokenOf(probe, ps + ranked[i]);
            if (cache.slotOf(l, token) >= 0) chosen[c++] = token;
        }
        Arrays.sort(chosen);
        return chosen;
    }

    /** Every slot of {@code l} (its current token's included) but the span's, plus those of the chosen tokens. */
    private int[] activeOf(int[] chosen, int l, KvCache cache) {
        int len = cache.length(l) + 1, s0 = cache.slotsBefore(l, start), s1 = cache.slotsBefore(l, start + span);
        int[] a = new int[len - (s1 - s0) + chosen.length];
        int n = 0;
        for (int i = 0; i < s0; i++) a[n++] = i;
        for (int t : chosen) a[n++] = cache.slotOf(l, t);
        for (int i = s1; i < len; i++) a[n++] = i;
        return a;
    }

    /** With the compact store, a re-selecting step moves the pruned visual entries out and recalls the selected ones. */
    @Override
    public void afterSelect(KvCache cache, int[] active) {
        if (compact == null || !reselected) return;
        if (layerActive == null) {
            cache.retier(layer, start, visual, active, compact);
            return;
        }
        for (int l = layer; l < cache.layers(); l++) {
            int s0 = cache.slotsBefore(l, start);
            cache.retierLayer(l, s0, cache.slotsBefore(l, start + visual) - s0, layerActive[l], compact);
        }
    }

    /** The official span leaves the last visual token out, so a selection attends to it besides the chosen ones. */
    @Override
    public int attendedAtSelection() {
        return attendedAtSelection(visual);
    }

    /**
     * Visual tokens attended at a re-selecting step when the upper layers hold {@code rows} visual rows (fewer than the
     * prompt's after a method that drops rows at prefill; officially counting the last visual token among them).
     */
    @Override
    public int attendedAtSelection(int rows) {
        if (rows <= 0) return 0;
        return mode == Mode.OFFICIAL ? (int) ((rows - 1) * (1 - p)) + 1 : (int) (rows * (1 - p));
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

    /** Visual tokens (newline excluded) attended at layers ≥ L (the top layer, when layers hold different rows) at each decode step. */
    public int[] attendedPerStep() {
        return Arrays.copyOf(attendedPerStep, Math.min(steps, attendedPerStep.length));
    }

    /** The mean over decode steps of the visual tokens attended at layers ≥ L (all of them when no step ran). */
    @Override
    public double attendedMean() {
        return attendedMean(visual);
    }

    /** As {@link #attendedMean()}, {@code rows} (what the top layer holds) when no step ran. */
    @Override
    public double attendedMean(int rows) {
        return steps == 0 ? rows : (double) attendedSum / steps;
    }
}
