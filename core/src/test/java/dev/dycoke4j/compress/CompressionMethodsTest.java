package dev.dycoke4j.compress;

import dev.dycoke4j.llm.KvCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The registry, each method's options (from text and from typed calls), its budget and its hooks. */
class CompressionMethodsTest {
    static List<String> names() {
        return CompressionMethods.names();
    }

    @Test
    void theRegistryListsEveryMethodInOrder() {
        assertEquals(List.of("none", "dycoke", "fastv", "prumerge", "visionzip", "random", "uniform", "frames", "vidcom2", "evs", "holitom", "flashvid", "fastvid"), CompressionMethods.names());
    }

    @ParameterizedTest
    @MethodSource("names")
    void optionsTextRebuildsTheMethod(String name) {
        MethodSpec spec = CompressionMethods.spec(name);
        CompressionMethod m = spec.defaults();
        assertEquals(name, m.name());
        assertTrue(spec.keys().containsAll(m.options().keySet()), m.options() + " within " + spec.keys());
        assertEquals(m, spec.parse(m.options()));
        assertEquals(m.key(), spec.parse(m.options()).key());
    }

    @Test
    void defaultsAreThePapers() {
        assertEquals(Map.of("ttm_k", "0.7", "ttm_windows", "official", "ttm_order", "official", "dp", "on", "dp_l", "3", "dp_p", "0.7",
                "dp_mode", "official", "dp_store", "full", "dp_store_dtype", "int8"), CompressionMethods.spec("dycoke").defaults().options());
        assertEquals(Map.of("fastv_k", "2", "ttm_k", "0.7", "ttm_windows", "official"), CompressionMethods.spec("fastv").defaults().options());
        assertEquals(Map.of("ttm_k", "0.7", "ttm_windows", "official", "compress_seed", "0"), CompressionMethods.spec("random").defaults().options());
        assertEquals(Map.of("ratio", "0.25"), CompressionMethods.spec("vidcom2").defaults().options(), "VidCom2's paper default");
        assertEquals(Map.of("ttm_k", "0.7", "ttm_windows", "official"), CompressionMethods.spec("evs").defaults().options());
        assertEquals(Map.of("ttm_k", "0.7", "ttm_windows", "official"), CompressionMethods.spec("frames").defaults().options());
        assertEquals(DyCokeMethod.defaults(), CompressionMethods.spec("dycoke").defaults());
        assertEquals(VidCom2Method.defaults(), CompressionMethods.spec("vidcom2").defaults());
        assertEquals(EvsMethod.defaults(), CompressionMethods.spec("evs").defaults());
        assertEquals(FramesMethod.defaults(), CompressionMethods.spec("frames").defaults());
        assertEquals(FastVMethod.defaults(), CompressionMethods.spec("fastv").defaults());
        assertEquals(Map.of("ratio", "0.1", "holitom_tau", "0.65", "holitom_beta", "0.6", "holitom_d", "0.0", "holitom_knn", "7",
                "holitom_max_window", "1024", "holitom_k", "18", "holitom_r", "0.5"), CompressionMethods.spec("holitom").defaults().options(), "HoliTom's scripts");
        assertEquals(HoliTomMethod.defaults(), CompressionMethods.spec("holitom").defaults());
        assertEquals(0.8, ((HoliTomMethod) CompressionMethods.parse("holitom", Map.of("ratio", "0.25"))).tau(), "the scripts' τ above 10 %");
        assertEquals(Map.of("ratio", "0.25", "flashvid_layer", "20"), CompressionMethods.spec("flashvid").defaults().options(), "FlashVID's paper defaults");
        assertEquals(FlashVidMethod.defaults(), CompressionMethods.spec("flashvid").defaults());
        assertEquals(Map.of("ratio", "0.1", "dyseg_c", "8", "dyseg_tau", "0.9", "stprune_d", "0.4", "dtm_p", "4", "dtm_beta", "0.6"),
                CompressionMethods.spec("fastvid").defaults().options(), "FastVID's scripts/eval.sh");
        assertEquals(FastVidMethod.defaults(), CompressionMethods.spec("fastvid").defaults());
    }

    @Test
    void optionsTextAndTypedCallsBuildTheSameMethod() {
        assertEquals(DyCokeMethod.defaults().withTtm(0.6, Ttm.Windows.FULL, Ttm.Order.RASTER).withRatio(0.35)
                        .withDp(DynamicPruningOptions.defaults().withLayer(2).withStore(DynamicPruning.Store.COMPACT, KvCache.CompactType.BF16)),
                CompressionMethods.parse("dycoke", Map.of("ratio", "0.35", "ttm_k", "0.6", "ttm_windows", "full", "ttm_order", "raster",
                        "dp_l", "2", "dp_store", "compact", "dp_store_dtype", "bf16")));
        assertEquals(new RandomMethod(TokenBudget.ratio(0.5), 7), CompressionMethods.parse("random", Map.of("ratio", "0.5", "compress_seed", "7")));
        assertEquals(new FastVMethod(1, TokenBudget.matchTtm(0.5, Ttm.Windows.FULL)),
                CompressionMethods.parse("fastv", Map.of("fastv_k", "1", "ttm_k", "0.5", "ttm_windows", "full")));
    }

    @Test
    void theKeyIsTheNameAndTheCanonicalOptions() {
        assertEquals("uniform{ratio=0.25}", new UniformMethod(TokenBudget.ratio(0.25)).key());
        assertEquals("none{}", CompressionMethods.none().key());
        assertEquals("dycoke{ttm_k=0.7, ttm_windows=official, ttm_order=official, dp=on, dp_l=3, dp_p=0.7, dp_mode=official, "
                + "dp_store=full, dp_store_dtype=int8}", DyCokeMethod.defaults().key());
        assertNotEquals(DyCokeMethod.defaults().key(), DyCokeMethod.defaults().withDpLayer(2).key());
        assertNotEquals(CompressionMethods.spec("prumerge").defaults().key(), CompressionMethods.spec("visionzip").defaults().key());
    }

    @Test
    void aKeyTheMethodDoesNotTakeIsNamed() {
        var e = assertThrows(InvalidOptionException.class, () -> CompressionMethods.parse("fastv", Map.of("compress_seed", "2")));
        assertEquals("compress_seed", e.key());
        assertEquals("compress_seed is not an option of fastv; it takes fastv_k, ratio, ttm_k, ttm_windows, dp, dp_l, dp_p, dp_mode, dp_store, dp_store_dtype, budget", e.getMessage());
        e = assertThrows(InvalidOptionException.class, () -> CompressionMethods.parse("none", Map.of("ratio", "0.5")));
        assertEquals("ratio is not an option of none; it takes dp, dp_l, dp_p, dp_mode, dp_store, dp_store_dtype, budget", e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "dycoke | dp_p | 1.5 | dp_p must be in [0, 1), got 1.5",
            "dycoke | dp_l | 0 | dp_l must be at least 1, got 0",
            "dycoke | dp_l | x | dp_l must be an integer, got 'x'",
            "dycoke | dp | yes | dp must be on or off, got 'yes'",
            "dycoke | dp_store | fat | dp_store takes full, compact; got 'fat'",
            "dycoke | dp_store_dtype | fp8 | dp_store_dtype takes int8, bf16; got 'fp8'",
            "dycoke | ttm_k | 1 | ttm_k must be in [0, 1), got 1.0",
            "dycoke | ttm_windows | half | ttm_windows takes official, full; got 'half'",
            "random | ratio | 0 | ratio must be in (0, 1], got 0.0",
            "dycoke | ratio | NaN | ratio must be in (0, 1], got NaN",
            "random | compress_seed | 1.5 | compress_seed must be an integer, got '1.5'",
            "uniform | ttm_k | -0.1 | ttm_k must be in [0, 1), got -0.1",
            "fastv | fastv_k | 0 | fastv_k must be at least 1, got 0",
            "fastv | ratio | half | ratio must be a number, got 'half'",
            "vidcom2 | ratio | 1.5 | ratio must be in (0, 1], got 1.5",
            "vidcom2 | ratio | none | ratio must be a number, got 'none'",
            "vidcom2 | ttm_k | 0.5 | ttm_k is not an option of vidcom2; it takes ratio, dp, dp_l, dp_p, dp_mode, dp_store, dp_store_dtype, budget",
            "evs | ratio | 0 | ratio must be in (0, 1], got 0.0",
            "evs | ttm_windows | all | ttm_windows takes official, full; got 'all'",
            "frames | ratio | -1 | ratio must be in (0, 1], got -1.0",
            "vidcom2 | dp | yes | dp must be on or off, got 'yes'",
            "uniform | dp_p | 1 | dp_p must be in [0, 1), got 1.0",
            "none | dp_store | fat | dp_store takes full, compact; got 'fat'",
            "frames | compress_seed | 3 | compress_seed is not an option of frames; it takes ratio, ttm_k, ttm_windows, dp, dp_l, dp_p, dp_mode, dp_store, dp_store_dtype, budget",
            "holitom | ratio | 0 | ratio must be in (0, 1], got 0.0",
            "holitom | holitom_tau | 1.5 | holitom_tau must be in [-1, 1], got 1.5",
            "holitom | holitom_beta | -0.1 | holitom_beta must be in [0, 1], got -0.1",
            "holitom | holitom_d | 1 | holitom_d must be in [0, 1), got 1.0",
            "holitom | holitom_knn | 0 | holitom_knn must be at least 1, got 0",
            "holitom | holitom_max_window | 2.5 | holitom_max_window must be an integer, got '2.5'",
            "holitom | holitom_k | 0 | holitom_k must be at least 1, got 0",
            "holitom | holitom_r | 1 | holitom_r must be in [0, 1), got 1.0",
            "holitom | ttm_k | 0.5 | ttm_k is not an option of holitom; it takes ratio, holitom_tau, holitom_beta, holitom_d, holitom_knn, holitom_max_window, holitom_k, holitom_r, dp, dp_l, dp_p, dp_mode, dp_store, dp_store_dtype, budget",
            "flashvid | ratio | 0.9 | ratio must be at most 0.8 for flashvid, whose vision side keeps 1.25 times it; got 0.9",
            "flashvid | ratio | 0 | ratio must be in (0, 1], got 0.0",
            "flashvid | flashvid_layer | 0 | flashvid_layer must be at least 1, got 0",
            "flashvid | flashvid_layer | 2.5 | flashvid_layer must be an integer, got '2.5'",
            "flashvid | ttm_k | 0.5 | ttm_k is not an option of flashvid; it takes ratio, flashvid_layer, dp, dp_l, dp_p, dp_mode, dp_store, dp_store_dtype, budget",
            "fastvid | dyseg_c | 0 | dyseg_c must be at least 1, got 0",
            "fastvid | dyseg_tau | 1.5 | dyseg_tau must be a cosine similarity in [-1, 1], got 1.5",
            "fastvid | stprune_d | 0 | stprune_d must be in (0, 1), got 0.0 (the anchors' share of each frame's tokens)",
            "fastvid | dtm_p | two | dtm_p must be an integer, got 'two'",
            "fastvid | dtm_beta | 2 | dtm_beta must be in [0, 1], got 2.0",
            "fastvid | ttm_k | 0.5 | ttm_k is not an option of fastvid; it takes ratio, dyseg_c, dyseg_tau, stprune_d, dtm_p, dtm_beta, dp, dp_l, dp_p, dp_mode, dp_store, dp_store_dtype, budget"})
    void aBadValueIsNamedByItsKey(String method, String key, String value, String message) {
        var e = assertThrows(InvalidOptionException.class, () -> CompressionMethods.parse(method, Map.of(key, value)));
        assertEquals(key, e.key());
        assertEquals(message, e.getMessage());
        assertEquals("--" + message, e.message(k -> "--" + k));
    }

    @Test
    void dpOnAddsDynamicPruningToAnyPreLlmMethod() {
        CompressionMethod m = CompressionMethods.parse("vidcom2", Map.of("ratio", "0.5", "dp", "on", "dp_l", "2"));
        assertEquals(new WithDynamicPruning(new VidCom2Method(0.5), DynamicPruningOptions.defaults().withLayer(2)), m);
        assertEquals("vidcom2", m.name());
        assertEquals("vidcom2+dp", m.label());
        assertEquals("vidcom2{ratio=0.5, dp=on, dp_l=2, dp_p=0.7, dp_mode=official, dp_store=full, dp_store_dtype=int8}", m.key());
        assertEquals(m, CompressionMethods.parse("vidcom2", m.options()), "the options text rebuilds the combination");
        RequestShape shape = new RequestShape(4, 10, 64, 8, 16, 5);
        assertInstanceOf(DynamicPruning.class, m.decode(shape));
        // off, the default for every method but dycoke: the plain method, with its own cache key
        CompressionMethod off = CompressionMethods.parse("vidcom2", Map.of("ratio", "0.5", "dp_l", "2"));
        assertEquals(new VidCom2Method(0.5), off);
        assertNull(off.decode(shape));
        assertEquals("none+dp", CompressionMethods.parse("none", Map.of("dp", "on")).label());
        assertEquals("dycoke", CompressionMethods.parse("dycoke", Map.of("dp", "on")).label(), "dycoke's own DP");
        // in lists of methods, NAME+dp is the method with DP on
        assertEquals(m, CompressionMethods.parse("vidcom2+dp", Map.of("ratio", "0.5", "dp_l", "2")));
        var e = assertThrows(InvalidOptionException.class, () -> CompressionMethods.parse("vidcom2+dp", Map.of("dp", "off")));
        assertEquals("dp is not an option of vidcom2+dp; it takes ratio, dp_l, dp_p, dp_mode, dp_store, dp_store_dtype, budget", e.getMessage());
        assertTrue(CompressionMethods.find("dycoke+dp").isEmpty(), "dycoke has DP of its own");
    }

    @Test
    void dpJoinsTheMethodsThatPruneInsideTheLlmAtPrefill() {
        for (String m : new String[]{"fastv", "holitom", "flashvid"}) {
            CompressionMethod on = CompressionMethods.parse(m, Map.of("dp", "on"));
            assertEquals(m + "+dp", on.label());
            assertTrue(on.prunesAtPrefill(), m + " still prunes at prefill");
            assertTrue(on.hasDecodeHook(), m + " with DP");
            assertEquals(on, CompressionMethods.parse(m + "+dp", Map.of()));
        }
        assertEquals(FastVMethod.defaults(), CompressionMethods.parse("fastv", Map.of("dp", "off")));
    }

    @Test
    void anUnknownMethodListsTheMethods() {
        var e = assertThrows(InvalidOptionException.class, () -> CompressionMethods.spec("zip"));
        assertEquals("method takes none, dycoke, fastv, prumerge, visionzip, random, uniform, frames, vidcom2, evs, holitom, flashvid, fastvid (or one of them but dycoke with +dp); got 'zip'", e.getMessage());
    }

    @Test
    void withoutARatioTheBaselinesKeepWhatTtmKeeps() {
        // 8 frames of 16: TTM at K=0.7 (official windows) keeps frames 0, 4 and 6 whole and 4 tokens of the 5 others
        for (String name : List.of("fastv", "prumerge", "visionzip", "random", "uniform", "evs", "frames")) {
            TokenBudget b = CompressionMethods.spec(name).defaults().budget();
            assertEquals(3 * 16 + 5 * 4, Budget.keep(b.ratioFor(8, 16), 8 * 16), name);
        }
        // full windows: frames 0 and 4 whole
        assertEquals(2 * 16 + 6 * 4, Budget.keep(TokenBudget.matchTtm(0.7, Ttm.Windows.FULL).ratioFor(8, 16), 8 * 16));
        // a ratio sets the budget, whatever ttm_k says
        assertEquals(TokenBudget.ratio(0.5), CompressionMethods.parse("uniform", Map.of("ratio", "0.5", "ttm_k", "0.2")).budget());
        assertEquals(TokenBudget.ratio(1), CompressionMethods.none().budget());
    }

    @Test
    void dycokePicksTheTtmKWithinItsRatio() {
        // full windows at 8 frames: frames 0 and 4 whole (32), 6 compared frames keep 1 each: the most within round(0.3·128) = 38
        DyCokeMethod d = DyCokeMethod.defaults().withTtm(0.7, Ttm.Windows.FULL, Ttm.Order.OFFICIAL).withRatio(0.3);
        assertEquals(38, d.ttmFor(8, 16).keptCount(8, 16));
        assertEquals(68, DyCokeMethod.defaults().ttmFor(8, 16).keptCount(8, 16));
        assertThrows(UnreachableBudgetException.class, () -> DyCokeMethod.defaults().withRatio(0.3).ttmFor(8, 16));
    }

    @Test
    void eachMethodPlacesItsOwnHooks() {
        RequestShape shape = new RequestShape(3, 14, 128, 8, 16, 12);
        for (String name : CompressionMethods.names()) {
            CompressionMethod m = CompressionMethods.parse(name, name.equals("dycoke") ? Map.of("dp_l", "2") : name.equals("holitom") ? Map.of("holitom_k", "2") : name.equals("flashvid") ? Map.of("flashvid_layer", "2") : Map.of());
            assertEquals(name.equals("prumerge") || name.equals("visionzip") || name.equals("holitom") || name.equals("flashvid"), m.needsVisionAttention(), name);
            if (!name.equals("fastv") && !name.equals("holitom") && !name.equals("flashvid")) assertNull(m.prefill(shape), name);
            if (!name.equals("dycoke")) assertNull(m.decode(shape), name);
        }
        // FastV at K = 2 ranks by layer 1's attention, as the official code does; it keeps round(128 · 0.25) = 32
        FastV fastv = assertInstanceOf(FastV.class, CompressionMethods.parse("fastv", Map.of("fastv_k", "2", "ratio", "0.25")).prefill(shape));
        assertEquals(1, fastv.layer());
        assertEquals(32, fastv.kept());
        // HoliTom's merge at K = 2 ranks by layer 1's attention; it keeps round(129 · 0.5) = 64 rows of the video and its newline
        HoliTomMerge merge = assertInstanceOf(HoliTomMerge.class, CompressionMethods.parse("holitom", Map.of("holitom_k", "2")).prefill(shape));
        assertEquals(1, merge.layer());
        assertEquals(63, merge.kept());
        assertNull(CompressionMethods.parse("holitom", Map.of("holitom_k", "2", "holitom_r", "0")).prefill(shape), "holitom_r 0: the outer part alone");
        // FlashVID prunes from its layer P on, ranking at layer P - 1, and keeps ceil(0.3·n) (round would keep 38 of 128)
        PrefillPruning flashvid = CompressionMethods.parse("flashvid", Map.of("flashvid_layer", "2")).prefill(shape);
        assertEquals(1, flashvid.layer());
        assertEquals(39, flashvid.kept());
        DynamicPruning dp = assertInstanceOf(DynamicPruning.class, DyCokeMethod.defaults().withDpLayer(2).decode(shape));
        assertEquals(2, dp.layer());
        assertEquals(DynamicPruning.Store.FULL, dp.store());
        assertNull(DyCokeMethod.defaults().withDp(DynamicPruningOptions.off()).decode(shape), "DP off: TTM alone");
    }

    @Test
    void aLayerOutsideTheModelIsNamedByItsKey() {
        RequestShape shape = new RequestShape(3, 14, 128, 8, 16, 12);
        var e = assertThrows(InvalidOptionException.class, () -> DyCokeMethod.defaults().decode(shape));
        assertEquals("dp_l 3 is outside 1..2 for this 3-layer model", e.getMessage());
        e = assertThrows(InvalidOptionException.class, () -> FlashVidMethod.defaults().prefill(shape));
        assertEquals("flashvid_layer 20 is outside 1..2 for this 3-layer model", e.getMessage());
        e = assertThrows(InvalidOptionException.class, () -> FastVMethod.defaults().withLayer(3).prefill(shape));
        assertEquals("fastv_k 3 is outside 1..2 for this 3-layer model", e.getMessage());
    }

    /**
     * Every layer option a method accepts for a model gives a hook the decoder runs: one that reads a layer with a layer
     * above it (0 to layers - 2). FastV's K = layers - 1, the last layer it accepts, ranks at layer K - 1.
     */
    @Test
    void everyAcceptedLayerLeavesALayerAboveTheHook() {
        for (int layers = 2; layers <= 5; layers++) {
            RequestShape shape = new RequestShape(layers, 14, 128, 8, 16, 12);
            for (int k = 1; k <= layers - 1; k++) {
                String at = layers + " layers, K = " + k;
                int fastv = FastVMethod.defaults().withLayer(k).prefill(shape).layer();
                assertEquals(k - 1, fastv, "fastv, " + at);
                int holitom = CompressionMethods.parse("holitom", Map.of("holitom_k", Integer.toString(k))).prefill(shape).layer();
                int flashvid = CompressionMethods.parse("flashvid", Map.of("flashvid_layer", Integer.toString(k))).prefill(shape).layer();
                int dp = ((DynamicPruning) DyCokeMethod.defaults().withDpLayer(k).decode(shape)).probeLayer();
                for (int l : new int[]{fastv, holitom, flashvid, dp}) assertTrue(l >= 0 && l <= layers - 2, at + ": " + l);
            }
            var e = assertThrows(InvalidOptionException.class, () -> FastVMethod.defaults().withLayer(shape.layers()).prefill(shape));
            assertEquals("fastv_k " + layers + " is outside 1.." + (layers - 1) + " for this " + layers + "-layer model", e.getMessage());
        }
    }
}
