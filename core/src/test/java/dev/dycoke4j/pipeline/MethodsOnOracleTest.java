package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.compress.RandomMethod;
import dev.dycoke4j.compress.TokenBudget;
import dev.dycoke4j.compress.VisionZip;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.testing.RecordingTrace;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every method end to end on the tiny oracle checkpoint (golden pixels, the chat prompt, greedy decoding), with the
 * kept indices of each pre-LLM method checked against a plain re-computation from the traced pooled features and
 * saliency, written here from the methods' definitions, loop by loop.
 */
class MethodsOnOracleTest {
    static final int F = 8, T = 16;
    static VideoQa qa;
    static float[] pixels;

    @BeforeAll
    static void load() {
        qa = VideoQa.load(Oracle.model());
        try (Safetensors g = Oracle.golden("forward.safetensors")) {
            pixels = g.get("pixel_values_videos").toFloatArray();
        }
    }

    @AfterAll
    static void close() {
        qa.close();
    }

    record Run(Answer answer, Map<String, float[]> floats, Map<String, int[]> ids) {
    }

    static Run run(CompressionMethod comp) {
        RecordingTrace trace = new RecordingTrace();
        Answer a = qa.answerFromPixels(pixels, VisionOptions.of(F), "What happens in this video?", null, GenerationOptions.greedy(6), comp, null, trace);
        return new Run(a, trace.floats(), trace.ids());
    }

    /** The method at retained ratio {@code ratio} (NaN: DyCoke's budget), with DP at L=2 and HoliTom's merge at K=2 where they apply. */
    static CompressionMethod opts(String name, double ratio) {
        Map<String, String> o = new HashMap<>();
        if (CompressionMethods.spec(name).keys().contains("dp_l")) o.put("dp_l", "2");
        if (CompressionMethods.spec(name).keys().contains("holitom_k")) o.put("holitom_k", "2");
        if (!Double.isNaN(ratio)) o.put("ratio", Double.toString(ratio));
        return CompressionMethods.parse(name, o);
    }

    /** The methods that run on the checkpoint alone (fastvid needs SigLIP's pooling head: FastVidOnOracleTest). */
    static List<String> methods() {
        return CompressionMethods.names().stream().filter(m -> !CompressionMethods.spec(m).defaults().needsFrameSignals()).toList();
    }

    @ParameterizedTest
    @MethodSource("methods")
    void everyMethodRunsEndToEnd(String m) {
        CompressionMethod comp = switch (m) {
            case "fastv" -> CompressionMethods.parse(m, Map.of("ratio", "0.5", "fastv_k", "1"));
            case "flashvid" -> CompressionMethods.parse(m, Map.of("flashvid_layer", "2")); // the paper's 20 is below this 3-layer model
            default -> opts(m, Double.NaN);
        };
        Run r = run(comp);
        Stats s = r.answer().stats();
        assertEquals(m, s.method());
        assertEquals(F * T, s.visualTokens());
        assertEquals(6, r.answer().tokenIds().length, "greedy tokens until a stop or the limit");
        assertTrue(s.flopsLlm() > 0);
        // the baselines run at DyCoke's budget: TTM at K=0.7 keeps frames 0, 4 and 6 whole and 4 tokens of the others;
        // frame subsampling rounds those 68 tokens to 4 whole frames; VidCom2 runs at its paper's 25 % (per-frame rounding)
        // and FlashVID at its paper's 25 %, keeping ceil(T·0.25·1.25) tokens per frame before the LLM
        int kept = switch (m) {
            case "none", "fastv" -> F * T;
            case "frames" -> 4 * T;
            case "vidcom2", "holitom" -> r.ids().get("kept_indices").length;
            case "flashvid" -> F * (int) Math.ceil(T * 0.25 * 1.25);
            default -> 3 * T + 5 * 4;
        };
        assertEquals(kept, s.visualKept());
        if (m.equals("vidcom2")) assertTrue(Math.abs(kept - F * T / 4) <= F, kept + " kept near 25 %");
        assertTrue(s.visualAttended() <= s.visualKept());
        if (m.equals("fastv")) assertEquals(64, s.visualAttended(), 0, "FastV at ratio 0.5 keeps 64 visual tokens above its layer");
    }

    /** DP added to no compression is DyCoke with a TTM that merges nothing (K = 0, raster order): the same DP run. */
    @org.junit.jupiter.api.Test
    void dpOnAnotherMethodIsDyCokesDp() {
        Run combined = run(CompressionMethods.parse("none", Map.of("dp", "on", "dp_l", "2")));
        Run dycoke = run(CompressionMethods.parse("dycoke", Map.of("ttm_k", "0", "ttm_order", "raster", "dp_l", "2")));
        Stats c = combined.answer().stats(), d = dycoke.answer().stats();
        assertEquals("none+dp", c.method());
        assertEquals(F * T, c.visualKept());
        assertEquals(d.visualKept(), c.visualKept());
        assertArrayEquals(dycoke.answer().tokenIds(), combined.answer().tokenIds());
        assertEquals(d.visualAttended(), c.visualAttended(), 0);
        assertTrue(c.visualAttended() < c.visualKept(), c.visualAttended() + " attended of " + c.visualKept());
    }

    /**
     * At an attended budget, DyCoke runs at the largest TTM budget whose DP selection stays within it: with a selection
     * at every step ({@code dp_mode always}) the mean attended is that selection, int(kept·(1-P)), exactly.
     */
    @org.junit.jupiter.api.Test
    void anAttendedBudgetFixesWhatDpAttends() {
        Map<String, String> o = new HashMap<>(Map.of("ratio", "0.15", "budget", "attended", "dp_l", "2", "dp_mode", "always"));
        Stats s = run(CompressionMethods.parse("dycoke", o)).answer().stats();
        int kept = s.visualKept();
        assertEquals((int) (kept * (1 - 0.7)), s.visualAttended(), 0);
        assertTrue(s.visualAttended() <= 0.15 * F * T, s.visualAttended() + " within 15% of " + F * T);
        o.remove("budget");
        o.put("ratio", Double.toString((double) kept / (F * T)));
        Stats plain = run(CompressionMethods.parse("dycoke", o)).answer().stats();
        assertEquals(kept, plain.visualKept(), "the same as dycoke at the ratio it resolved to");
        assertEquals(s.visualAttended(), plain.visualAttended(), 0);
    }

    /** Every pre-LLM method runs with DP: the same visual tokens enter the LLM, fewer are attended while decoding. */
    @ParameterizedTest
    @CsvSource({"uniform", "vidcom2", "evs", "frames", "visionzip", "prumerge", "random"})
    void dpJoinsEveryPreLlmMethod(String m) {
        Run plain = run(CompressionMethods.parse(m, Map.of("ratio", "0.5")));
        Run withDp = run(CompressionMethods.parse(m, Map.of("ratio", "0.5", "dp", "on", "dp_l", "2")));
        assertEquals(m + "+dp", withDp.answer().stats().method());
        assertArrayEquals(plain.ids().get("kept_indices"), withDp.ids().get("kept_indices"));
        assertEquals(plain.answer().stats().visualKept(), withDp.answer().stats().visualKept());
        assertEquals(plain.answer().stats().visualKept(), plain.answer().stats().visualAttended(), 0);
        assertTrue(withDp.answer().stats().visualAttended() < withDp.answer().stats().visualKept());
    }

    /** Each method that drops visual rows inside the LLM, placed so that layers 1 and 2 of this 3-layer model differ. */
    static Map<String, String> inLlm(String m) {
        return switch (m) {
            case "fastv" -> Map.of("ratio", "0.5", "fastv_k", "2");          // layer 2 keeps 64 of 128
            case "flashvid" -> Map.of("flashvid_layer", "2");                // layer 2 keeps ceil(0.3·40) = 12 of 40
            case "holitom" -> Map.of("ratio", "0.5", "holitom_k", "2");      // layer 2 keeps half the video's rows
            default -> throw new IllegalArgumentException(m);
        };
    }

    static CompressionMethod with(String m, String... kv) {
        Map<String, String> o = new HashMap<>(inLlm(m));
        for (int i = 0; i < kv.length; i += 2) o.put(kv[i], kv[i + 1]);
        return CompressionMethods.parse(m, o);
    }

    /**
     * DP with the methods that drop visual rows inside the LLM at prefill, from layer 1 (which holds every row) over
     * layer 2 (which holds the method's): at P = 0 the method's own tokens; otherwise the same tokens entering the LLM
     * and prefill FLOPs, the top layer attending to int(m·(1-P)) of its m rows at every step ({@code dp_mode always}),
     * and the compact store holding each upper layer's unselected visual rows.
     */
    @ParameterizedTest
    @CsvSource({"fastv", "flashvid", "holitom"})
    void dpJoinsTheMethodsThatPruneInsideTheLlm(String m) {
        Run plain = run(with(m));
        Run zero = run(with(m, "dp", "on", "dp_l", "1", "dp_p", "0"));
        assertEquals(m + "+dp", zero.answer().stats().method());
        assertArrayEquals(plain.answer().tokenIds(), zero.answer().tokenIds(), "DP at P = 0 is the method alone");
        Run dp = run(with(m, "dp", "on", "dp_l", "1", "dp_mode", "always", "dp_store", "compact"));
        Stats p = plain.answer().stats(), s = dp.answer().stats();
        assertEquals(p.visualKept(), s.visualKept(), "tokens entering the LLM");
        assertEquals(p.flopsLlm(), s.flopsLlm(), 0, "prefill FLOPs");
        assertEquals(plain.answer().tokenIds().length, dp.answer().tokenIds().length);
        var c = qa.model().config().text();
        long row = 2L * c.numKvHeads() * c.headDim() * Float.BYTES, compactRow = dev.dycoke4j.llm.KvCache.compactRowBytes(
                dev.dycoke4j.llm.KvCache.CompactType.INT8, c.numKvHeads(), c.headDim());
        int n = s.visualKept(), below = n - (int) (n * (1 - 0.7)); // layer 1 holds every visual row
        if (m.equals("holitom")) { // whether the merge kept the newline decides layer 2's visual rows: bounds only
            assertTrue(s.visualAttended() > 0 && s.visualAttended() <= p.visualAttended() * (1 - 0.7) + 1, s.visualAttended() + " of " + p.visualAttended());
            assertTrue(s.kvPrunedBytes() > below * compactRow, "layers 1 and 2 hold compact rows");
            assertTrue(s.kvCacheBytes() < p.kvCacheBytes() - below * row);
            return;
        }
        int top = (int) p.visualAttended(), attended = (int) (top * (1 - 0.7));
        assertEquals(m.equals("fastv") ? 64 : 12, top, "what the method keeps above its layer");
        assertEquals(attended, s.visualAttended(), 0, "what the top layer attends at every step");
        long compact = below + (top - attended);
        assertEquals(compact * compactRow, s.kvPrunedBytes(), "compact rows of layers 1 and 2");
        assertEquals(p.kvCacheBytes() - compact * row, s.kvCacheBytes(), "float rows");
    }

    @ParameterizedTest
    @CsvSource({"0.25", "0.35", "0.5", "0.9", "1.0"})
    void uniformKeepsAStride(double r) {
        Run run = run(opts("uniform", r));
        int n = F * T, k = keep(r, n);
        int[] expected = new int[k];
        for (int i = 0; i < k; i++) expected[i] = i * n / k;
        assertArrayEquals(expected, run.ids().get("kept_indices"));
    }

    @ParameterizedTest
    @CsvSource({"0.25, 0", "0.5, 0", "0.5, 7"})
    void randomIsSelectionSampling(double r, long seed) {
        CompressionMethod comp = new RandomMethod(TokenBudget.ratio(r), seed);
        Run run = run(comp);
        int n = F * T, k = keep(r, n);
        Random rnd = new Random(seed);
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < n && expected.size() < k; i++) if (rnd.nextInt(n - i) < k - expected.size()) expected.add(i);
        assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), run.ids().get("kept_indices"));
    }

    @ParameterizedTest
    @CsvSource({"0.25", "0.35", "0.5", "0.75"})
    void pruMergePlusKeepsOutliersThenSamples(double r) {
        Run run = run(opts("prumerge", r));
        float[] sal = run.floats().get("saliency");
        assertNotNull(sal, "the trace holds the pooled saliency");
        int[] budget = perFrame(Math.max(keep(r, F * T), F), F);
        List<Integer> expected = new ArrayList<>();
        for (int f = 0; f < F; f++) {
            float[] s = Arrays.copyOfRange(sal, f * T, f * T + T);
            float[] sorted = s.clone();
            Arrays.sort(sorted);
            double q1 = numpyPercentile(sorted, 25), q3 = numpyPercentile(sorted, 75), fence = q3 + 1.5 * (q3 - q1);
            List<Integer> outliers = new ArrayList<>(), rest = new ArrayList<>();
            for (int t = 0; t < T; t++) (s[t] > fence ? outliers : rest).add(t);
            boolean[] keep = new boolean[T];
            if (outliers.size() >= budget[f]) {
                for (int t : topByValue(s, budget[f])) keep[t] = true;
            } else {
                for (int t : outliers) keep[t] = true;
                int need = budget[f] - outliers.size();
                for (int i = 0; i < need; i++) keep[rest.get(i * rest.size() / need)] = true;
            }
            for (int t = 0; t < T; t++) if (keep[t]) expected.add(f * T + t);
        }
        assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), run.ids().get("kept_indices"));
    }

    @ParameterizedTest
    @CsvSource({"0.25", "0.35", "0.5", "0.75"})
    void visionZipKeepsDominantThenContextualTargets(double r) {
        Run run = run(opts("visionzip", r));
        float[] sal = run.floats().get("saliency");
        int[] budget = perFrame(Math.max(keep(r, F * T), F), F);
        List<Integer> expected = new ArrayList<>();
        for (int f = 0; f < F; f++) {
            float[] s = Arrays.copyOfRange(sal, f * T, f * T + T);
            int dom = (int) Math.round(VisionZip.DEFAULT_DOMINANT_SHARE * budget[f]), ctx = budget[f] - dom;
            List<Integer> dominant = topByValue(s, dom);
            for (int t : dominant) expected.add(f * T + t);
            List<Integer> rest = new ArrayList<>();
            for (int t = 0; t < T; t++) if (!dominant.contains(t)) rest.add(t);
            if (ctx == 0) continue;
            int step = Math.max(1, rest.size() / ctx);
            for (int j = 0; j < ctx; j++) expected.add(f * T + rest.get(j * step));
        }
        assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), run.ids().get("kept_indices"));
    }

    @ParameterizedTest
    @CsvSource({"0.1", "0.25", "0.5"})
    void vidcom2KeepsEachFramesOutliersAtItsScale(double r) {
        Run run = run(opts("vidcom2", r));
        float[] pooled = run.floats().get("pooled");
        int D = pooled.length / (F * T), n = F * T;
        // the half of the channels with the lowest variance, each token normalised over them
        double[] var = new double[D];
        for (int c = 0; c < D; c++) {
            double mean = 0;
            for (int i = 0; i < n; i++) mean += pooled[i * D + c];
            mean /= n;
            for (int i = 0; i < n; i++) var[c] += (pooled[i * D + c] - mean) * (pooled[i * D + c] - mean);
        }
        List<Integer> channels = new ArrayList<>();
        for (int c = 0; c < D; c++) channels.add(c);
        channels.sort((a, b) -> Double.compare(var[a], var[b]));
        List<Integer> low = channels.subList(0, D / 2);
        double[][] x = new double[n][];
        for (int i = 0; i < n; i++) {
            double[] v = new double[low.size()];
            double norm = 0;
            for (int j = 0; j < v.length; j++) norm += Math.pow(v[j] = pooled[i * D + low.get(j)], 2);
            for (int j = 0; j < v.length; j++) v[j] /= Math.sqrt(norm);
            x[i] = v;
        }
        double[] video = mean(x, 0, n);
        double[] frameMeanVideoSim = new double[F], score = new double[n];
        for (int f = 0; f < F; f++) {
            double[] frame = mean(x, f * T, T);
            for (int t = 0; t < T; t++) {
                double v = gaussians(x[f * T + t], video);
                frameMeanVideoSim[f] += v / T;
                score[f * T + t] = v + gaussians(x[f * T + t], frame);
            }
        }
        // frames less like the video get more: softmax(-similarity / 0.01) spread around the base scale
        double max = Arrays.stream(frameMeanVideoSim).map(v -> -v).max().orElseThrow(), z = 0;
        double[] p = new double[F];
        for (int f = 0; f < F; f++) z += p[f] = Math.exp((-frameMeanVideoSim[f] - max) / 0.01);
        List<Integer> expected = new ArrayList<>();
        for (int f = 0; f < F; f++) {
            int k = (int) Math.max(1, Math.rint(Math.min(1, r * (1 + p[f] / z - 1.0 / F)) * T));
            double[] s = Arrays.copyOfRange(score, f * T, f * T + T);
            float[] negated = new float[T];
            for (int t = 0; t < T; t++) negated[t] = (float) -s[t];
            for (int t : topByValue(negated, k)) expected.add(f * T + t);
        }
        assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), run.ids().get("kept_indices"));
        assertEquals(expected.size(), run.answer().stats().visualKept());
    }

    @ParameterizedTest
    @CsvSource({"0.1", "0.25", "0.53125", "0.75"})
    void evsKeepsTheTokensThatChangedMost(double r) {
        Run run = run(opts("evs", r));
        float[] pooled = run.floats().get("pooled");
        int D = pooled.length / (F * T), n = F * T;
        int k = Math.max(T, (int) (n * (1 - (1 - r))));
        float[] change = new float[n];
        for (int i = 0; i < n; i++) {
            if (i < T) {
                change[i] = 255;
                continue;
            }
            double dot = 0, a = 0, b = 0;
            for (int c = 0; c < D; c++) {
                dot += pooled[i * D + c] * pooled[(i - T) * D + c];
                a += pooled[i * D + c] * pooled[i * D + c];
                b += pooled[(i - T) * D + c] * pooled[(i - T) * D + c];
            }
            change[i] = (float) (1 - dot / Math.sqrt(a * b));
        }
        int[] expected = topByValue(change, k).stream().mapToInt(Integer::intValue).toArray();
        assertArrayEquals(expected, run.ids().get("kept_indices"));
        assertEquals(k, run.answer().stats().visualKept());
    }

    @ParameterizedTest
    @CsvSource({"0.125, 0", "0.25, 0 4", "0.5, 0 2 4 6", "0.53125, 0 2 4 6", "0.4, 0 2 5", "1.0, 0 1 2 3 4 5 6 7", "0.01, 0"})
    void framesKeepsWholeFramesAtAStride(double r, String frames) {
        Run run = run(opts("frames", r));
        List<Integer> expected = new ArrayList<>();
        for (String f : frames.split(" ")) for (int t = 0; t < T; t++) expected.add(Integer.parseInt(f) * T + t);
        assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(), run.ids().get("kept_indices"));
    }

    static double[] mean(double[][] x, int from, int count) {
        double[] m = new double[x[0].length];
        for (int i = from; i < from + count; i++) for (int c = 0; c < m.length; c++) m[c] += x[i][c] / count;
        return m;
    }

    /** Gaussian similarities summed over 2σ² = 1/4, 1/2, 1, 2, 4. */
    static double gaussians(double[] a, double[] b) {
        double d = 0;
        for (int c = 0; c < a.length; c++) d += (a[c] - b[c]) * (a[c] - b[c]);
        double s = 0;
        for (double twoSigma2 = 0.25; twoSigma2 <= 4; twoSigma2 *= 2) s += Math.exp(-d / twoSigma2);
        return s;
    }

    @ParameterizedTest
    @CsvSource({"0.4", "0.5", "0.75", "1.0"})
    void dycokeAtARatioKeepsTheMostTokensWithinTheBudget(double r) {
        Run run = run(opts("dycoke", r));
        int kept = run.ids().get("kept_indices").length, budget = keep(r, F * T);
        assertTrue(kept <= budget, kept + " kept, budget " + budget);
        // one more token per compared frame would go over: frames 1, 2, 3, 5 and 7 under official windows
        assertTrue(kept == F * T || kept + 5 > budget, kept + " kept, budget " + budget);
        assertEquals(kept, run.answer().stats().visualKept());
    }

    /** round(r·n) clamped to [1, n]. */
    static int keep(double r, int n) {
        return (int) Math.min(n, Math.max(1, Math.round(r * n)));
    }

    static int[] perFrame(int total, int frames) {
        int[] b = new int[frames];
        for (int i = 0; i < total; i++) b[i % frames]++;
        return b;
    }

    /** numpy.percentile with linear interpolation on sorted values. */
    static double numpyPercentile(float[] sorted, double pct) {
        double pos = (sorted.length - 1) * pct / 100;
        int lo = (int) pos;
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * ((double) sorted[hi] - sorted[lo]);
    }

    /** The k positions of largest value (the lower position first on ties), ascending. */
    static List<Integer> topByValue(float[] v, int k) {
        List<Integer> chosen = new ArrayList<>();
        boolean[] taken = new boolean[v.length];
        for (int c = 0; c < k; c++) {
            int best = -1;
            for (int t = 0; t < v.length; t++) if (!taken[t] && (best < 0 || v[t] > v[best])) best = t;
            taken[best] = true;
            chosen.add(best);
        }
        chosen.sort(null);
        return chosen;
    }
}
