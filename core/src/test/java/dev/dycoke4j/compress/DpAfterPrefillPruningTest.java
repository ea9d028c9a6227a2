package dev.dycoke4j.compress;

import dev.dycoke4j.llm.AttentionHook;
import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.llm.PrefillHook;
import dev.dycoke4j.llm.Qwen2Decoder;
import dev.dycoke4j.llm.Sampler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DyCoke's DP after a prefill hook that drops visual rows from the layers above its layer (FastV, HoliTom's merge), on
 * the oracle chat prompt (128 visual tokens, 3 layers): the slots each layer attends to at every decode step against a
 * plain re-computation from the traced probe attention and the rows the prefill hook kept, the compact store's rows
 * per layer, and DP at P = 0 against the prefill hook alone.
 */
class DpAfterPrefillPruningTest {
    static final int VISUAL = 128, STEPS = 10;
    static DpOracle fx;
    static int[] ids;
    static float[] x;
    static int start;

    @BeforeAll
    static void load() {
        fx = new DpOracle();
        ids = fx.fwd.get("chat_input_ids").toIntArray();
        start = DpOracle.firstVideo(ids);
        x = fx.model.inputsEmbeds(ids, fx.model.withNewline(fx.fwd.get("pooled").toFloatArray(), VISUAL));
    }

    @AfterAll
    static void close() {
        fx.close();
    }

    /** FastV keeping 40 visual rows above layer k, or HoliTom's merge keeping half of the video's rows (newline included) from layer k on. */
    static PrefillPruning prefill(String kind, int k) {
        return switch (kind) {
            case "fastv" -> new FastV(k, start, VISUAL, 40);
            case "holitom" -> new HoliTomMerge(k, start, VISUAL + 1, 0.5);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    static DynamicPruning dp(String mode, int layer, double p, String store) {
        return new DynamicPruning(DynamicPruning.Mode.valueOf(mode.toUpperCase(Locale.ROOT)), layer, p, start, VISUAL, STEPS - 1,
                store.equals("compact") ? KvCache.CompactType.INT8 : null);
    }

    /** Greedy tokens; the prompt rows the prefill hook kept; per decode step the probe's attention and each layer's slots. */
    record Run(int[] tokens, int[] kept, List<float[]> probs, List<int[][]> active, KvCache cache) {
    }

    static Run run(PrefillPruning prefill, DynamicPruning dp) {
        int[][] kept = new int[1][];
        PrefillHook recorded = new PrefillHook() {
            @Override
            public int layer() {
                return prefill.layer();
            }

            @Override
            public int[] keep(float[] probs, int rows) {
                return kept[0] = prefill.keep(probs, rows);
            }

            @Override
            public int[] keep(float[] probs, float[] hidden, int rows, int dim) {
                return kept[0] = prefill.keep(probs, hidden, rows, dim);
            }
        };
        List<float[]> probs = new ArrayList<>();
        List<int[][]> active = new ArrayList<>();
        AttentionHook hook = dp == null ? null : new AttentionHook() {
            @Override
            public int probeLayer() {
                return dp.probeLayer();
            }

            @Override
            public int[] select(float[] p, int len) {
                throw new AssertionError("the decoder hands the hook its cache");
            }

            @Override
            public int[] select(float[] p, int len, KvCache cache) {
                probs.add(p.clone());
                int[] selected = dp.select(p, len, cache);
                int[][] a = new int[cache.layers()][];
                for (int l = dp.layer(); l < cache.layers(); l++) {
                    int[] s = dp.activeAt(l, selected);
                    a[l] = s == null ? null : s.clone();
                }
                active.add(a);
                return selected;
            }

            @Override
            public int[] activeAt(int layer, int[] selected) {
                return dp.activeAt(layer, selected);
            }

            @Override
            public void afterSelect(KvCache cache, int[] a) {
                dp.afterSelect(cache, a);
            }
        };
        Qwen2Decoder dec = fx.model.decoder();
        KvCache cache = fx.model.newCache(ids.length + STEPS);
        float[] logits = dec.forward(x.clone(), ids.length, cache, 1, null, recorded);
        int vocab = dec.config().vocabSize();
        int[] tokens = new int[STEPS];
        for (int i = 0; i < STEPS; i++) {
            tokens[i] = Sampler.argmax(logits, 0, vocab);
            if (i == STEPS - 1) break;
            logits = dec.forward(dec.embed(new int[]{tokens[i]}), 1, cache, 1, hook);
        }
        return new Run(tokens, kept[0], probs, active, cache);
    }

    /** The tokens (prompt rows, then fed tokens) layer {@code l} holds before decode step {@code step}, and the step's own. */
    static List<Integer> held(Run r, int prefillLayer, int l, int step) {
        List<Integer> t = new ArrayList<>();
        if (l > prefillLayer) for (int row : r.kept()) t.add(row);
        else for (int row = 0; row < ids.length; row++) t.add(row);
        for (int s = 0; s <= step; s++) t.add(ids.length + s);
        return t;
    }

    /**
     * At every decode step, each layer from L up attends to: every slot but those of the span's tokens it holds, plus the
     * int(n·(1-P)) of those n it holds that the probe layer attended to most (the official span leaves the last visual
     * token out); or to all its slots at an official step whose span attention is within 0.9 cosine of the previous.
     */
    @ParameterizedTest
    @CsvSource({"fastv, 1, 1, always, 0.5, full", "fastv, 1, 2, official, 0.7, full", "fastv, 1, 2, always, 0.3, compact",
            "fastv, 1, 1, reuse, 0.5, compact", "holitom, 1, 2, always, 0.5, full", "holitom, 2, 1, official, 0.5, compact",
            "holitom, 1, 1, always, 0.6, compact"})
    void eachLayerSelectsAmongTheVisualRowsItHolds(String kind, int k, int layer, String mode, double p, String store) {
        PrefillPruning pre = prefill(kind, k);
        DynamicPruning dp = dp(mode, layer, p, store);
        Run r = run(pre, dp);
        int layers = r.cache().layers(), probe = layer - 1, span = mode.equals("official") ? VISUAL - 1 : VISUAL;
        assertEquals(STEPS - 1, r.active().size());
        double[] previous = null;
        int[][] chosen = null;
        int selections = 0;
        boolean splits = false;
        int[] attended = new int[STEPS - 1];
        for (int s = 0; s < STEPS - 1; s++) {
            List<Integer> probeHeld = held(r, pre.layer(), probe, s);
            float[] probs = r.probs().get(s);
            assertEquals(probeHeld.size(), probs.length, "the probe's slots, the current token's included");
            // the probe's attention over the span's tokens it holds, and their ranking
            List<Integer> spanTokens = new ArrayList<>();
            List<Double> att = new ArrayList<>();
            for (int j = 0; j < probeHeld.size(); j++)
                if (probeHeld.get(j) >= start && probeHeld.get(j) < start + span) {
                    spanTokens.add(probeHeld.get(j));
                    att.add((double) probs[j]);
                }
            double[] a = att.stream().mapToDouble(Double::doubleValue).toArray();
            double cos = previous == null ? 0 : cosine(a, previous);
            previous = a;
            int[][] got = r.active().get(s);
            boolean select = mode.equals("always") || cos < DynamicPruning.STABLE || chosen == null;
            if (mode.equals("official") && Math.abs(cos - DynamicPruning.STABLE) < 1e-5) select = got[layer] != null; // too close to call in float
            Integer[] order = new Integer[a.length];
            for (int i = 0; i < a.length; i++) order[i] = i;
            Arrays.sort(order, (u, v) -> a[u] != a[v] ? Double.compare((float) a[v], (float) a[u]) : Integer.compare(u, v));
            if (select) {
                selections++;
                chosen = new int[layers][];
                for (int l = layer; l < layers; l++) {
                    List<Integer> h = held(r, pre.layer(), l, s);
                    int n = (int) spanTokens.stream().filter(h::contains).count(), keep = (int) (n * (1 - p));
                    List<Integer> c = new ArrayList<>();
                    for (int i = 0; i < order.length && c.size() < keep; i++) if (h.contains(spanTokens.get(order[i]))) c.add(spanTokens.get(order[i]));
                    chosen[l] = c.stream().mapToInt(Integer::intValue).sorted().toArray();
                }
            }
            for (int l = probe; l < layers; l++) if (held(r, pre.layer(), l, s).size() != ids.length + s + 1) splits = true;
            for (int l = layer; l < layers; l++) {
                List<Integer> h = held(r, pre.layer(), l, s);
                if (!select && mode.equals("official")) {
                    assertNull(got[l], "step " + s + " layer " + l + ": a stable step attends to the whole cache");
                    continue;
                }
                List<Integer> want = new ArrayList<>();
                for (int slot = 0; slot < h.size(); slot++) {
                    int t = h.get(slot);
                    if (t < start || t >= start + span || Arrays.binarySearch(chosen[l], t) >= 0) want.add(slot);
                }
                assertArrayEquals(want.stream().mapToInt(Integer::intValue).toArray(), got[l], "step " + s + " layer " + l);
            }
            List<Integer> top = held(r, pre.layer(), layers - 1, s);
            for (int slot = 0; slot < top.size(); slot++) {
                int t = top.get(slot);
                boolean on = got[layers - 1] == null || Arrays.binarySearch(got[layers - 1], slot) >= 0;
                if (on && t >= start && t < start + VISUAL) attended[s]++;
            }
        }
        assertTrue(splits, "the prefill hook left the probe layer or some above it with fewer rows than layer 0");
        assertArrayEquals(attended, dp.attendedPerStep(), "visual tokens the top layer attended per step");
        assertEquals(selections, dp.reselections());
        if (store.equals("compact")) {
            // after the last selecting step each layer from L holds the unselected visual rows it has in the compact store
            int last = STEPS - 2;
            while (r.active().get(last)[layer] == null) last--;
            for (int l = 0; l < layers; l++) {
                if (l < layer) {
                    assertEquals(0, r.cache().compactSlots(l), "layer " + l);
                    continue;
                }
                List<Integer> h = held(r, pre.layer(), l, last);
                long visualHeld = h.stream().filter(t -> t >= start && t < start + VISUAL).count();
                int[] act = r.active().get(last)[l];
                long kept = Arrays.stream(act).filter(slot -> h.get(slot) >= start && h.get(slot) < start + VISUAL).count();
                assertEquals(visualHeld - kept, r.cache().compactSlots(l), "layer " + l + ": compact rows");
            }
        }
    }

    /** With P = 0 DP keeps every row each layer holds: the prefill hook's greedy tokens, whatever the layer, mode and store. */
    @ParameterizedTest
    @CsvSource({"fastv, 1, 1, official, full", "fastv, 1, 2, always, compact", "fastv, 1, 2, official, full",
            "holitom, 1, 2, official, full", "holitom, 2, 1, always, compact", "holitom, 1, 1, official, compact"})
    void dpAtPZeroGivesThePrefillHooksOwnTokens(String kind, int k, int layer, String mode, String store) {
        int[] alone = run(prefill(kind, k), null).tokens();
        DynamicPruning dp = dp(mode, layer, 0, store);
        Run with = run(prefill(kind, k), dp);
        assertArrayEquals(alone, with.tokens());
        assertEquals(STEPS - 1, dp.steps());
    }

    static double cosine(double[] a, double[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        return ab / Math.max(Math.sqrt(aa) * Math.sqrt(bb), 1e-8);
    }
}
