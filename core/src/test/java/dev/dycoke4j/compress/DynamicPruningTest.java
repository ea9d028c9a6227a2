package dev.dycoke4j.compress;

import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.llm.Generator;
import dev.dycoke4j.llm.Sampler;
import dev.dycoke4j.pipeline.LlavaOneVision;
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
    static LlavaOneVision model;
    static Safetensors fwd, dp;

    @BeforeAll
    static void load() {
        model = LlavaOneVision.load(Oracle.model());
        fwd = Oracle.golden("forward.safetensors");
        dp = Oracle.golden("dp.safetensors");
    }

    @AfterAll
    static void close() {
        model.close();
        fwd.close();
        dp.close();
    }

    static int firstVideo(int[] ids, int video) {
        for (int i = 0; i < ids.length; i++) if (ids[i] == video) return i;
        throw new AssertionError("no video token");
    }

    static Generator.Result generate(DynamicPruning hook) {
        VisualTokens kept = new Ttm(0.7, Ttm.Windows.OFFICIAL, Ttm.Order.OFFICIAL)
                .compress(VisualTokens.pooled(fwd.get("pooled").toFloatArray(), 8, 16, 64));
        int[] ids = fwd.get("chat_ttm_k0.7_input_ids").toIntArray();
        float[] x = model.inputsEmbeds(ids, model.withNewline(kept.features(), kept.count()));
        return Generator.run(model.decoder(), model.newCache(ids.length + 12), x, ids.length, Sampler.greedy(), 12, Set.of(), false, null, hook);
    }

    @Test
    void ttmAloneReproducesTheGoldenChatTokens() {
        assertArrayEquals(fwd.get("chat_ttm_k0.7_generated_ids").toIntArray(), generate(null).tokens());
    }

    @Test
    void ttmPipelineMatchesTheGoldenLogitsAndTokens() {
        VisualTokens kept = new Ttm(0.7, Ttm.Windows.OFFICIAL, Ttm.Order.OFFICIAL)
                .compress(VisualTokens.pooled(fwd.get("pooled").toFloatArray(), 8, 16, 64));
        int[] ids = fwd.get("ttm_k0.7_input_ids").toIntArray();
        float[] x = model.inputsEmbeds(ids, model.withNewline(kept.features(), kept.count()));
        float[] logits = model.decoder().forward(x.clone(), ids.length, model.newCache(ids.length), ids.length);
        float err = Oracle.maxAbsDiff(logits, fwd.get("ttm_k0.7_logits").toFloatArray());
        org.junit.jupiter.api.Assertions.assertTrue(err <= 1e-4, "TTM logits max abs error " + err);
        var r = Generator.run(model.decoder(), model.newCache(ids.length + 12), x, ids.length, Sampler.greedy(), 12, Set.of(), false, null);
        assertArrayEquals(fwd.get("ttm_k0.7_generated_ids").toIntArray(), r.tokens());
    }

    @Test
    void kZeroPZeroRasterIsIdenticalToNone() {
        float[] pooled = fwd.get("pooled").toFloatArray();
        VisualTokens kept = new Ttm(0.0, Ttm.Windows.OFFICIAL, Ttm.Order.RASTER).compress(VisualTokens.pooled(pooled, 8, 16, 64));
        assertArrayEquals(pooled, kept.features());
        int[] ids = fwd.get("chat_input_ids").toIntArray();
        var hook = new DynamicPruning(DynamicPruning.Mode.OFFICIAL, 1, 0.0, firstVideo(ids, 501), 128, 11);
        var r = Generator.run(model.decoder(), model.newCache(ids.length + 12), model.inputsEmbeds(ids, model.withNewline(kept.features(), 128)),
                ids.length, Sampler.greedy(), 12, Set.of(), false, null, hook);
        assertArrayEquals(fwd.get("chat_generated_ids").toIntArray(), r.tokens());
    }

    @ParameterizedTest
    @CsvSource({"official, 1, 0.5", "always, 1, 0.5", "always, 1, 0.8", "official, 2, 0.7"})
    void matchesTheReference(String mode, int layer, double p) {
        String key = "chat_ttm_k0.7_dp_" + mode + "_l" + layer + "_p" + p + "_";
        int[] ids = fwd.get("chat_ttm_k0.7_input_ids").toIntArray();
        var hook = new DynamicPruning(DynamicPruning.Mode.valueOf(mode.toUpperCase()), layer, p, firstVideo(ids, 501), 68, 11);
        var r = generate(hook);
        assertArrayEquals(dp.get(key + "generated_ids").toIntArray(), r.tokens(), "generated ids");
        assertArrayEquals(dp.get(key + "attended_visual").toIntArray(), hook.attendedPerStep(), "attended visual tokens per step");
        assertEquals(dp.get(key + "pruned_steps").toIntArray()[0], hook.reselections(), "re-selecting steps");
        assertEquals(11, hook.steps());
    }

    @Test
    void reuseKeepsTheSelectionWhileAttentionIsStable() {
        int[] ids = fwd.get("chat_ttm_k0.7_input_ids").toIntArray();
        var hook = new DynamicPruning(DynamicPruning.Mode.REUSE, 2, 0.7, firstVideo(ids, 501), 68, 11);
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
