package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.llm.Generator;
import dev.dycoke4j.llm.Sampler;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The oracle checkpoints loaded with int8 LLM weights ({@code --weights q8}), against the F32 reference's golden
 * logits and tokens, and against the same checkpoint as stored by teacher forcing ({@link Fidelity}).
 */
class OracleQ8Test {
    record Prefill(float[] logits, int[] greedy) {
    }

    static Prefill prefill(Path dir, LoadOptions opts) {
        try (LlavaOneVision model = LlavaOneVision.load(dir, opts); Safetensors g = Oracle.golden("forward.safetensors")) {
            float[] pixels = g.get("pixel_values_videos").toFloatArray();
            float[] pooled = model.pool(model.project(model.visionHidden(pixels, 8), 8 * 49), 8);
            int[] in = g.get("input_ids").toIntArray();
            float[] x = model.inputsEmbeds(in, model.withNewline(pooled, 128));
            float[] logits = model.decoder().forward(x.clone(), in.length, model.newCache(in.length), in.length);
            var r = Generator.run(model.decoder(), model.newCache(in.length + 12), x, in.length, Sampler.greedy(), 12, Set.of(), false, null);
            return new Prefill(logits, r.tokens());
        }
    }

    @Test
    void q8LogitsAndGreedyTokensAgainstTheF32Reference() {
        try (Safetensors g = Oracle.golden("forward.safetensors"); Safetensors gb = Oracle.golden("forward-bf16.safetensors")) {
            float[] ref = g.get("logits").toFloatArray();
            Prefill f32q8 = prefill(Oracle.model(), LoadOptions.q8());
            Prefill bf16q8 = prefill(Oracle.modelBf16(), LoadOptions.q8());
            // measured: 0.205 (q8 from F32) and 0.230 (q8 from BF16) over 147 x 512 logits, against 0.119 for BF16
            // itself; the bounds leave about 30% margin
            float e1 = Oracle.maxAbsDiff(f32q8.logits, ref), e2 = Oracle.maxAbsDiff(bf16q8.logits, ref);
            assertTrue(e1 > 0 && e1 <= 0.27f, "q8 from F32: max |logit diff| " + e1);
            assertTrue(e2 > 0 && e2 <= 0.30f, "q8 from BF16: max |logit diff| " + e2);
            int[] golden = g.get("generated_ids").toIntArray();
            assertArrayEquals(golden, f32q8.greedy, "q8 from F32, free-running greedy");
            assertArrayEquals(gb.get("generated_ids").toIntArray(), bf16q8.greedy, "q8 from BF16, free-running greedy");
        }
    }

    @Test
    void aSecondModelMustBeTheSameCheckpoint() {
        try (VideoQa ref = VideoQa.load(Oracle.model()); VideoQa other = VideoQa.load(Oracle.modelBf16(), LoadOptions.q8());
             Safetensors g = Oracle.golden("forward.safetensors")) {
            Fidelity fid = Fidelity.ofPixels(ref, g.get("pixel_values_videos").toFloatArray(), VisionOptions.of(8), "What happens in this video?", 2);
            var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> fid.measure(other, CompressionMethods.none()));
            assertTrue(e.getMessage().contains("not the reference's checkpoint"), e.getMessage());
        }
    }

    @Test
    void teacherForcedAgainstAsStored() {
        for (Path dir : new Path[] {Oracle.model(), Oracle.modelBf16()}) {
            try (VideoQa ref = VideoQa.load(dir); VideoQa q8 = VideoQa.load(dir, LoadOptions.q8());
                 Safetensors g = Oracle.golden("forward.safetensors")) {
                Fidelity fid = Fidelity.ofPixels(ref, g.get("pixel_values_videos").toFloatArray(), new VisionOptions(8, 3), "What happens in this video?", 12);
                Fidelity.Result r = fid.measure(q8, CompressionMethods.none());
                // measured: agreement 1, mean KL 3.3e-4 (F32) and 3.2e-4 (BF16) nats, max 5.0e-4 and 4.7e-4
                assertEquals(1.0, r.agreement(), dir + ": " + r);
                assertTrue(r.meanKl() > 0 && r.meanKl() < 1e-3 && r.maxKl() < 2e-3, dir + ": " + r);
                assertEquals(LoadOptions.WeightFormat.Q8, q8.model().weightFormat());
                // every LLM matrix (7 per layer and the tied head) at 1 + 4/32 bytes per weight
                long params = ref.model().decoder().decodeWeightBytes() / (dir.equals(Oracle.model()) ? 4 : 2);
                assertEquals(params * 9 / 8, q8.model().decoder().decodeWeightBytes());
            }
        }
    }
}
