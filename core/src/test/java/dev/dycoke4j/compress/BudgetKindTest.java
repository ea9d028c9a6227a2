package dev.dycoke4j.compress;

import dev.dycoke4j.llm.KvCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code budget}: a ratio that fixes the attended tokens, the prefill FLOPs or the KV bytes instead of the tokens
 * entering the LLM. The costs are checked against the formulas written out here, and each resolved ratio is the
 * largest whose cost stays within the target.
 */
class BudgetKindTest {
    static final int F = 8, T = 16, N = F * T;
    static final ModelCost COST = new ModelCost(6, 64, 160, 2, 16, Float.BYTES);
    static final VisualTokens VIDEO = Synthetic.video(F, T, 24, 3);

    static double flops(long n, int from, long above) {
        return Flops.prefill(COST.layers(), n, from, above, COST.hidden(), COST.mlp());
    }

    static CompressionMethod parse(String name, String... kv) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) o.put(kv[i], kv[i + 1]);
        return CompressionMethods.parse(name, o);
    }

    @Test
    void theCostsAreThePapersFormulasOverTheVideosPositions() {
        CompressionMethod uniform = parse("uniform", "ratio", "0.25");
        int k = 32;
        assertEquals(k, BudgetMeasure.of(BudgetKind.TOKENS, uniform, VIDEO, null, COST));
        assertEquals(k, BudgetMeasure.of(BudgetKind.ATTENDED, uniform, VIDEO, null, COST));
        assertEquals(flops(k + 1, COST.layers(), k + 1), BudgetMeasure.of(BudgetKind.FLOPS, uniform, VIDEO, null, COST));
        assertEquals(COST.layers() * (k + 1) * 2.0 * 2 * 16 * 4, BudgetMeasure.of(BudgetKind.KV, uniform, VIDEO, null, COST));
        // FastV keeps everything before the LLM and round(r·n) from its layer K on
        CompressionMethod fastv = parse("fastv", "ratio", "0.25", "fastv_k", "3");
        assertEquals(N, BudgetMeasure.of(BudgetKind.TOKENS, fastv, VIDEO, null, COST));
        assertEquals(k, BudgetMeasure.of(BudgetKind.ATTENDED, fastv, VIDEO, null, COST));
        assertEquals(flops(N + 1, 3, k + 1), BudgetMeasure.of(BudgetKind.FLOPS, fastv, VIDEO, null, COST));
        assertEquals((3 * (N + 1) + 3 * (k + 1)) * 2.0 * 2 * 16 * 4, BudgetMeasure.of(BudgetKind.KV, fastv, VIDEO, null, COST));
        // DP (official) attends int((k-1)·(1-P)) + 1 at a selection; the compact store holds the rest at layers L and up
        CompressionMethod dp = parse("uniform", "ratio", "0.25", "dp", "on", "dp_l", "2", "dp_store", "compact");
        int sel = (int) ((k - 1) * (1 - 0.7)) + 1;
        assertEquals(sel, BudgetMeasure.of(BudgetKind.ATTENDED, dp, VIDEO, null, COST));
        assertEquals(flops(k + 1, COST.layers(), k + 1), BudgetMeasure.of(BudgetKind.FLOPS, dp, VIDEO, null, COST), "DP changes no prefill");
        long compactRow = KvCache.compactRowBytes(KvCache.CompactType.INT8, 2, 16);
        assertEquals(2 * (k + 1) * 2.0 * 2 * 16 * 4 + 4 * ((k + 1 - k + sel) * 2.0 * 2 * 16 * 4 + (k - sel) * (double) compactRow),
                BudgetMeasure.of(BudgetKind.KV, dp, VIDEO, null, COST));
    }

    /**
     * DP after FastV: the layers from FastV's K on hold its k rows, those below all n, and DP from L selects among each
     * layer's own: at the top layers int((k-1)·(1-P)) + 1 (official), in the layers from L to K-1 int((n-1)·(1-P)) + 1.
     */
    @Test
    void theCostsOfDpAfterFastVCountTheRowsEachLayerHolds() {
        CompressionMethod m = parse("fastv", "ratio", "0.25", "fastv_k", "3", "dp", "on", "dp_l", "2", "dp_store", "compact");
        int k = 32, top = (int) ((k - 1) * (1 - 0.7)) + 1, full = (int) ((N - 1) * (1 - 0.7)) + 1;
        assertEquals(N, BudgetMeasure.of(BudgetKind.TOKENS, m, VIDEO, null, COST));
        assertEquals(top, BudgetMeasure.of(BudgetKind.ATTENDED, m, VIDEO, null, COST), "what the top layers attend");
        assertEquals(flops(N + 1, 3, k + 1), BudgetMeasure.of(BudgetKind.FLOPS, m, VIDEO, null, COST), "FastV's prefill: DP changes none");
        double row = 2.0 * 2 * 16 * 4, compactRow = KvCache.compactRowBytes(KvCache.CompactType.INT8, 2, 16);
        // layers 0 and 1 below L; layer 2 from L with every row; layers 3 to 5 with FastV's k (and the newline)
        double want = 2 * (N + 1) * row + ((1 + full) * row + (N - full) * compactRow) + 3 * ((1 + top) * row + (k - top) * compactRow);
        assertEquals(want, BudgetMeasure.of(BudgetKind.KV, m, VIDEO, null, COST));
    }

    @ParameterizedTest
    @CsvSource({"uniform, flops, 0.3", "uniform, kv, 0.5", "vidcom2, flops, 0.25", "fastv, flops, 0.7", "fastv, attended, 0.2",
            "dycoke, flops, 0.6", "dycoke, attended, 0.2", "uniform+dp, attended, 0.2", "evs+dp, kv, 0.6", "frames, flops, 0.4",
            "fastv+dp, attended, 0.15", "fastv+dp, kv, 0.7"})
    void theResolvedRatioIsTheLargestWithinTheTarget(String name, String kind, double target) {
        CompressionMethod m = parse(name, "ratio", Double.toString(target), "budget", kind, "dp_l", "2");
        assertInstanceOf(AtBudget.class, m);
        BudgetKind k = BudgetKind.valueOf(kind.toUpperCase(java.util.Locale.ROOT));
        CompressionMethod at = m.resolve(VIDEO, null, COST);
        double none = BudgetMeasure.of(k, CompressionMethods.none(), VIDEO, null, COST);
        double got = BudgetMeasure.of(k, at, VIDEO, null, COST) / none;
        assertTrue(got <= target * (1 + 1e-9), got + " within " + target);
        double own = ((TokenBudget.Ratio) at.budget()).ratio();
        int kept = (int) Math.round(own * N);
        if (kept < N) {
            Map<String, String> next = new LinkedHashMap<>(at.options());
            next.put("ratio", Double.toString((kept + 1.0) / N));
            double more = BudgetMeasure.of(k, CompressionMethods.parse(name.replace("+dp", ""), next), VIDEO, null, COST) / none;
            assertTrue(more > target, "one token more, " + more + ", is over " + target);
        }
        assertEquals(name.endsWith("+dp") ? name : name.equals("dycoke") ? "dycoke" : name, at.label());
    }

    @Test
    void aMethodThatCapsItsRatioResolvesBelowItsCap() {
        // FlashVID's ratio is at most 0.8 (its vision side keeps 1.25 times it): every token is out of its reach
        AtBudget m = (AtBudget) parse("flashvid", "ratio", "0.3", "budget", "flops", "flashvid_layer", "2");
        AtBudget.Reach reach = m.reach(VIDEO, null, COST);
        assertEquals((int) (0.8 * N), reach.largest());
        assertTrue(reach.least() < 0.3 && 0.3 < reach.most(), reach.toString());
        CompressionMethod at = m.resolve(VIDEO, null, COST);
        assertTrue(BudgetKind.FLOPS.relative(at, VIDEO, null, COST) <= 0.3 * (1 + 1e-9));
    }

    @Test
    void aTargetOutsideTheReachableRangeNamesTheRange() {
        // DP attends at most int((n-1)·0.3) + 1 of n tokens, so half of them is out of reach
        var e = assertThrows(InvalidOptionException.class,
                () -> parse("dycoke", "ratio", "0.5", "budget", "attended", "dp_l", "2").resolve(VIDEO, null, COST));
        assertEquals("ratio", e.key());
        assertTrue(e.getMessage().matches("ratio dycoke reaches 0\\.\\d+ to 0\\.30\\d* of the visual tokens attended per decode step "
                + "without compression on this video \\(budget attended\\); got 0\\.5"), e.getMessage());
        // TTM keeps its reference frames whole: 3 of 8 frames at least
        e = assertThrows(InvalidOptionException.class, () -> parse("dycoke", "ratio", "0.05", "budget", "flops", "dp", "off").resolve(VIDEO, null, COST));
        assertTrue(e.getMessage().contains("dycoke reaches 0.3"), e.getMessage());
    }

    @Test
    void aBudgetNeedsARatio() {
        var e = assertThrows(InvalidOptionException.class, () -> parse("uniform", "budget", "flops"));
        assertEquals("budget", e.key());
        assertEquals("budget of flops needs a ratio: the share of prefill FLOPs of the video's positions to keep", e.getMessage());
        e = assertThrows(InvalidOptionException.class, () -> parse("none", "budget", "kv"));
        assertEquals("budget needs a ratio to fix, and none takes none", e.getMessage());
        e = assertThrows(InvalidOptionException.class, () -> parse("uniform", "budget", "joules", "ratio", "0.5"));
        assertEquals("budget takes tokens, attended, flops, kv; got 'joules'", e.getMessage());
        assertEquals(parse("uniform", "ratio", "0.5"), parse("uniform", "ratio", "0.5", "budget", "tokens"), "tokens: the method as it is");
    }

    @Test
    void anUnresolvedBudgetDoesNotRun() {
        CompressionMethod m = parse("uniform", "ratio", "0.5", "budget", "kv");
        assertThrows(IllegalStateException.class, () -> m.preLlm());
        assertEquals("kv", m.options().get("budget"));
        assertEquals(m.key(), CompressionMethods.parse("uniform", m.options()).key(), "the options text rebuilds it");
    }
}
