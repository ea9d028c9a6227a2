package dev.dycoke4j.pipeline;

import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.llm.Generator;
import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.llm.Sampler;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every stage of the F32 tiny checkpoint, loaded through the normal loader, against the PyTorch golden tensors. */
class OracleForwardTest {
    static LlavaOneVision model;
    static Safetensors g;

    @BeforeAll
    static void load() {
        model = LlavaOneVision.load(Oracle.model());
        g = Oracle.golden("forward.safetensors");
    }

    @AfterAll
    static void close() {
        model.close();
        g.close();
    }

    static float[] f(String name) {
        return g.get(name).toFloatArray();
    }

    static int[] ids(String name) {
        return g.get(name).toIntArray();
    }

    @Test
    void visionHiddenMatches() {
        float[] hidden = model.visionHidden(f("pixel_values_videos"), 8);
        Oracle.assertClose("vision_hidden", hidden, f("vision_hidden"), 1e-5);
    }

    @Test
    void projectorAndPoolingMatch() {
        float[] proj = model.project(f("vision_hidden"), 8 * 49);
        Oracle.assertClose("projected", proj, f("projected"), 1e-5);
        float[] pooled = model.pool(f("projected"), 8);
        Oracle.assertClose("pooled", pooled, f("pooled"), 1e-5);
        assertArrayEquals(f("video_embeds"), model.withNewline(f("pooled"), 128));
    }

    @Test
    void inputsEmbedsMatch() {
        float[] x = model.inputsEmbeds(ids("input_ids"), f("video_embeds"));
        assertArrayEquals(f("inputs_embeds"), x);
    }

    @Test
    void prefillLogitsMatchAtEveryPosition() {
        int[] in = ids("input_ids");
        float[] logits = model.decoder().forward(model.inputsEmbeds(in, f("video_embeds")), in.length, model.newCache(in.length), in.length);
        float err = Oracle.maxAbsDiff(logits, f("logits"));
        assertTrue(err <= 1e-4, "logits max abs error " + err);
    }

    @Test
    void residualStreamAfterEveryLayerMatches() {
        int[] in = ids("input_ids");
        float[] h = model.decoder().lastHiddenPerLayer(model.inputsEmbeds(in, f("video_embeds")), in.length, model.newCache(in.length));
        Oracle.assertClose("layer_last_hidden", h, f("layer_last_hidden"), 1e-5);
    }

    @Test
    void textOnlyLogitsMatch() {
        int[] in = ids("text_input_ids");
        float[] logits = model.decoder().forward(model.inputsEmbeds(in, null), in.length, model.newCache(in.length), in.length);
        float err = Oracle.maxAbsDiff(logits, f("text_logits"));
        assertTrue(err <= 1e-4, "text logits max abs error " + err);
    }

    @Test
    void greedyGenerationAndStepLogitsMatch() {
        int[] in = ids("input_ids");
        KvCache cache = model.newCache(in.length + 16);
        List<float[]> steps = new ArrayList<>();
        var r = Generator.run(model.decoder(), cache, model.inputsEmbeds(in, f("video_embeds")), in.length, Sampler.greedy(), 12,
                Set.of(), false, (id, logits, step) -> steps.add(logits.clone()));
        assertArrayEquals(ids("generated_ids"), r.tokens());
        float[] want = f("step_logits");
        int vocab = 512;
        for (int s = 1; s <= 11; s++) {
            float[] row = java.util.Arrays.copyOfRange(want, (s - 1) * vocab, s * vocab);
            float err = Oracle.maxAbsDiff(steps.get(s), row);
            assertTrue(err <= 1e-4, "step " + s + " logits max abs error " + err);
        }
        assertEquals(in.length + 11, cache.length());
    }

    @Test
    void endToEndFromPixelsReproducesGreedyTokens() {
        float[] pixels = f("pixel_values_videos");
        float[] pooled = model.pool(model.project(model.visionHidden(pixels, 8), 8 * 49), 8);
        int[] in = ids("chat_input_ids");
        var r = Generator.run(model.decoder(), model.newCache(200), model.inputsEmbeds(in, model.withNewline(pooled, 128)), in.length,
                Sampler.greedy(), 12, Set.of(503), false, null);
        assertArrayEquals(ids("chat_generated_ids"), r.tokens());
    }
}
