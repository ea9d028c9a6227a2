package dev.dycoke4j.pipeline;

import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.io.SafetensorsWriter;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** An F16 copy of the oracle checkpoint loads (widened once to F32) and stays close to the F32 logits. */
class OracleF16Test {
    @TempDir
    Path tmp;

    @Test
    void f16CheckpointGivesNearlyTheF32Logits() throws Exception {
        Path dir = tmp.resolve("f16");
        Files.createDirectories(dir);
        Files.copy(Oracle.model().resolve("config.json"), dir.resolve("config.json"));
        SafetensorsWriter w = new SafetensorsWriter();
        try (Safetensors st = Safetensors.open(Oracle.model().resolve("model.safetensors"))) {
            for (Map.Entry<String, Tensor> e : st.tensors().entrySet())
                w.add(e.getKey(), DType.F16, e.getValue().toFloatArray(), e.getValue().shape());
        }
        w.write(dir.resolve("model.safetensors"));
        try (LlavaOneVision m = LlavaOneVision.load(dir); Safetensors g = Oracle.golden("forward.safetensors")) {
            int[] in = g.get("input_ids").toIntArray();
            float[] logits = m.decoder().forward(m.inputsEmbeds(in, g.get("video_embeds").toFloatArray()), in.length, m.newCache(in.length), in.length);
            float err = Oracle.maxAbsDiff(logits, g.get("logits").toFloatArray());
            assertTrue(err < 0.05, "F16 logits max abs error " + err);
            assertTrue(err > 0, "F16 rounding must show");
        }
    }
}
