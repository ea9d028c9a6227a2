package dev.dycoke4j.pipeline;

import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.llm.Generator;
import dev.dycoke4j.llm.Sampler;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The BF16 checkpoint, read as BF16 by the GEMM, against the reference computed in F32 from the same BF16 weights. */
class OracleBf16Test {
    @Test
    void bf16LogitsAndGreedyTokensMatch() {
        try (LlavaOneVision model = LlavaOneVision.load(Oracle.modelBf16());
             Safetensors g = Oracle.golden("forward.safetensors");
             Safetensors gb = Oracle.golden("forward-bf16.safetensors");
             var ck = dev.dycoke4j.io.Checkpoint.open(Oracle.modelBf16())) {
            assertEquals(DType.BF16, ck.weight("language_model.model.layers.0.mlp.up_proj.weight").dtype());
            float[] pixels = g.get("pixel_values_videos").toFloatArray();
            float[] pooled = model.pool(model.project(model.visionHidden(pixels, 8), 8 * 49), 8);
            int[] in = g.get("input_ids").toIntArray();
            float[] logits = model.decoder().forward(model.inputsEmbeds(in, model.withNewline(pooled, 128)), in.length,
                    model.newCache(in.length), in.length);
            float err = Oracle.maxAbsDiff(logits, gb.get("logits").toFloatArray());
            assertTrue(err <= 1e-3, "BF16 logits max abs error " + err);
            var r = Generator.run(model.decoder(), model.newCache(in.length + 12),
                    model.inputsEmbeds(in, model.withNewline(pooled, 128)), in.length, Sampler.greedy(), 12, Set.of(), false, null);
            assertArrayEquals(gb.get("generated_ids").toIntArray(), r.tokens());
        }
    }
}
