package dev.dycoke4j.compress;

import dev.dycoke4j.llm.Generator;
import dev.dycoke4j.llm.Sampler;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** TTM then DP on the oracle chat prompt: greedy tokens, re-selecting steps and attended tokens as the reference. */
class DynamicPruningTest {
    static DpOracle fx;

    @BeforeAll
    static void load() {
        fx = new DpOracle();
    }

    @AfterAll
    static void close() {
        fx.close();
    }

    static Generator.Result generate(DynamicPruning hook) {
        int[] ids = fx.ttmChatIds();
        return Generator.run(fx.model.decoder(), fx.model.newCache(ids.length + 12), fx.ttmChatEmbeds(), ids.length, Sampler.greedy(), 12, Set.of(), false, null, hook);
    }

    @Test
    void ttmAloneReproducesTheGoldenChatTokens() {
        assertArrayEquals(fx.fwd.get("chat_ttm_k0.7_generated_ids").toIntArray(), generate(null).tokens());
    }

    @Test
    void ttmPipelineMatchesTheGoldenLogitsAndTokens() {
        VisualTokens kept = fx.ttmKept();
        int[] ids = fx.fwd.get("ttm_k0.7_input_ids").toIntArray();
        float[] x = fx.model.inputsEmbeds(ids, fx.model.withNewline(kept.features(), kept.count()));
        float[] logits = fx.model.decoder().forward(x.clone(), ids.length, fx.model.newCache(ids.length), ids.length);
        float err = Oracle.maxAbsDiff(logits, fx.fwd.get("ttm_k0.7_logits").toFloatArray());
        org.junit.jupiter.api.Assertions.assertTrue(err <= 1e-4, "TTM logits max abs error " + err);
        var r = Generator.run(fx.model.decoder(), fx.model.newCache(ids.length + 12), x, ids.length, Sampler.greedy(), 12, Set.of(), false, null);
        assertArrayEquals(fx.fwd.get("ttm_k0.7_generated_ids").toIntArray(), r.tokens());
    }

    @Test
    void kZeroPZeroRasterIsIdenticalToNone() {
        float[] pooled = fx.fwd.get("pooled").toFloatArray();
        VisualTokens kept = new Ttm(0.0, Ttm.Windows.OFFICIAL, Ttm.Order.RASTER).compress(VisualTokens.pooled(pooled, 8, 16, 64));
        assertArrayEquals(pooled, kept.features());
        int[] ids = fx.fwd.get("chat_input_ids").toIntArray();
        var hook = new DynamicPruning(DynamicPruning.Mode.OFFICIAL, 1, 0.0, DpOracle.firstVideo(ids), 128, 11);
        var r = Generator.run(fx.model.decoder(), fx.model.newCache(ids.length + 12), fx.model.inputsEmbeds(ids, fx.model.withNewline(kept.features(), 128)),
                ids.length, Sampler.greedy(), 12, Set.of(), false, null, hook);
        assertArrayEquals(fx.fwd.get("chat_generated_ids").toIntArray(), r.tokens());
    }

    @ParameterizedTest
    @CsvSource({"official, 1, 0.5", "always, 1, 0.5", "always, 1, 0.8", "official, 2, 0.7"})
    void matchesTheReference(String mode, int layer, double p) {
        String key = "chat_ttm_k0.7_dp_" + mode + "_l" + layer + "_p" + p + "_";
        int[] ids = fx.ttmChatIds();
        var hook = new DynamicPruning(DynamicPruning.Mode.valueOf(mode.toUpperCase()), layer, p, DpOracle.firstVideo(ids), 68, 11);
        var r = generate(hook);
        assertArrayEquals(fx.dp.get(key + "generated_ids").toIntArray(), r.tokens(), "generated ids");
        assertArrayEquals(fx.dp.get(key + "attended_visual").toIntArray(), hook.attendedPerStep(), "attended visual tokens per step");
        assertEquals(fx.dp.get(key + "pruned_steps").toIntArray()[0], hook.reselections(), "re-selecting steps");
        assertEquals(11, hook.steps());
    }

    @Test
    void reuseKeepsTheSelectionWhileAttentionIsStable() {
        int[] ids = fx.ttmChatIds();
        var hook = new DynamicPruning(DynamicPruning.Mode.REUSE, 2, 0.7, DpOracle.firstVideo(ids), 68, 11);
        generate(hook);
        int keep = (int) (68 * (1 - 0.7));
        for (int a : hook.attendedPerStep()) assertEquals(keep, a, "reuse never falls back to the full cache");
        assertEquals(keep, hook.attendedMean(), 1e-9);
    }

    @Test
    void badSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new DynamicPruning(DynamicPruning.Mode.OFFICIAL, 0, 0.5, 0, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> new DynamicPruning(DynamicPruning.Mode.OFFICIAL, 1, 1.0, 0, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> new DynamicPruning(DynamicPruning.Mode.OFFICIAL, 1, 0.5, 0, 0, 1));
    }
}
