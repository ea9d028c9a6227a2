package dev.dycoke4j.io;

import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.testing.QwenVlOracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A checkpoint's family comes from its config.json; an architecture dycoke does not run is one line naming those it does. */
class ModelFamilyTest {
    @TempDir
    Path tmp;

    @Test
    void theTwoOracleCheckpointsAreTheirFamilies() {
        assertEquals(ModelFamily.QWEN25_VL, ModelFamily.of(QwenVlOracle.model()));
        assertEquals(ModelFamily.LLAVA_ONEVISION, ModelFamily.of(Oracle.root().resolve("tiny-llava-ov")));
    }

    @Test
    void aQwenConfigWithOnlyItsModelTypeIsQwen() throws IOException {
        Files.writeString(tmp.resolve("config.json"), "{\"model_type\":\"qwen2_5_vl\"}");
        assertEquals(ModelFamily.QWEN25_VL, ModelFamily.of(tmp));
    }

    @Test
    void anUnknownArchitectureIsOneLineNamingTheSupportedOnes() throws IOException {
        Files.writeString(tmp.resolve("config.json"), "{\"model_type\":\"qwen3_vl\",\"architectures\":[\"Qwen3VLForConditionalGeneration\"]}");
        var e = assertThrows(ModelFormatException.class, () -> ModelFamily.of(tmp));
        assertEquals(tmp.resolve("config.json") + ": unsupported architecture 'Qwen3VLForConditionalGeneration'; dycoke runs "
                + "LlavaOnevisionForConditionalGeneration and Qwen2_5_VLForConditionalGeneration", e.getMessage());
    }
}
