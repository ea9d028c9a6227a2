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
        assertEquals(List.of("none", "dycoke", "fastv", "prumerge", "visionzip", "random", "uniform", "frames", "vidcom2", "evs", "fastvid"), CompressionMethods.names());
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
        var e = assertThrows(InvalidOptionException.class, () -> CompressionMethods.parse("fastv", Map.of("dp_l", "2")));
        assertEquals("dp_l", e.key());
        assertEquals("dp_l is not an option of fastv; it takes fastv_k, ratio, ttm_k, ttm_windows", e.getMessage());
        e = assertThrows(InvalidOptionException.class, () -> CompressionMethods.parse("none", Map.of("ratio", "0.5")));
        assertEquals("ratio is not an option of none, which takes no options", e.getMessage());
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
            "vidcom2 | ttm_k | 0.5 | ttm_k is not an option of vidcom2; it takes ratio",
            "evs | ratio | 0 | ratio must be in (0, 1], got 0.0",
            "evs | ttm_windows | all | ttm_windows takes official, full; got 'all'",
            "frames | ratio | -1 | ratio must be in (0, 1], got -1.0",
            "fastvid | dyseg_c | 0 | dyseg_c must be at least 1, got 0",
            "fastvid | dyseg_tau | 1.5 | dyseg_tau must be a cosine similarity in [-1, 1], got 1.5",
            "fastvid | stprune_d | 0 | stprune_d must be in (0, 1), got 0.0 (the anchors' share of each frame's tokens)",
            "fastvid | dtm_p | two | dtm_p must be an integer, got 'two'",
            "fastvid | dtm_beta | 2 | dtm_beta must be in [0, 1], got 2.0",
            "fastvid | ttm_k | 0.5 | ttm_k is not an option of fastvid; it takes ratio, dyseg_c, dyseg_tau, stprune_d, dtm_p, dtm_beta",
            "frames | compress_seed | 3 | compress_seed is not an option of frames; it takes ratio, ttm_k, ttm_windows"})
    void aBadValueIsNamedByItsKey(String method, String key, String value, String message) {
        var e = assertThrows(InvalidOptionException.class, () -> CompressionMethods.parse(method, Map.of(key, value)));
        assertEquals(key, e.key());
        assertEquals(message, e.getMessage());
        assertEquals("--" + message, e.message(k -> "--" + k));
    }

    @Test
    void anUnknownMethodListsTheMethods() {
        var e = assertThrows(InvalidOptionException.class, () -> CompressionMethods.spec("zip"));
        assertEquals("method takes none, dycoke, fastv, prumerge, visionzip, random, uniform, frames, vidcom2, evs, fastvid; got 'zip'", e.getMessage());
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
            CompressionMethod m = CompressionMethods.parse(name, name.equals("dycoke") ? Map.of("dp_l", "2") : Map.of());
            assertEquals(name.equals("prumerge") || name.equals("visionzip"), m.needsVisionAttention(), name);
            if (!name.equals("fastv")) assertNull(m.prefill(shape), name);
            if (!name.equals("dycoke")) assertNull(m.decode(shape), name);
        }
        FastV fastv = assertInstanceOf(FastV.class, CompressionMethods.parse("fastv", Map.of("fastv_k", "1", "ratio", "0.25")).prefill(shape));
        assertEquals(1, fastv.layer());
        assertEquals(32, fastv.kept());
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
        e = assertThrows(InvalidOptionException.class, () -> FastVMethod.defaults().withLayer(3).prefill(shape));
        assertEquals("fastv_k 3 is outside 1..2 for this 3-layer model", e.getMessage());
    }
}
