package dev.dycoke4j.io;

import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The text side of a Qwen2.5-VL config and its generation config; each bad one gets one line naming it. */
class Qwen25VlConfigTest {
    static final Path TINY = Oracle.shared().resolve("oracle-qwen25vl/tiny-qwen25-vl");

    @TempDir
    Path tmp;

    @Test
    void tinyCheckpoint() {
        Qwen25VlConfig c = Qwen25VlConfig.load(TINY);
        LlavaConfig.TextConfig t = c.text();
        assertEquals(List.of(64, 128, 3, 4, 2, 16, 512), List.of(t.hiddenSize(), t.intermediateSize(), t.numLayers(), t.numHeads(),
                t.numKvHeads(), t.headDim(), t.vocabSize()));
        assertEquals(1e6, t.ropeTheta());
        assertEquals(1e-6, t.rmsNormEps());
        assertEquals(4096, t.maxPositions());
        assertFalse(t.tieWordEmbeddings());
        assertEquals(List.of(498, 496), t.eosTokenIds(), "the generation config's list replaces the config's single id");
        assertArrayEquals(new int[] {2, 3, 3}, c.mropeSection());
        assertEquals(List.of(508, 509, 505, 506), List.of(c.imageTokenId(), c.videoTokenId(), c.visionStartTokenId(), c.visionEndTokenId()));
        assertEquals(2.0, c.tokensPerSecond());
    }

    Path withConfig(String from, String to) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("ck" + Math.abs((from + to).hashCode())));
        String json = Files.readString(TINY.resolve("config.json"));
        assertTrue(json.contains(from), from);
        Files.writeString(dir.resolve("config.json"), json.replace(from, to));
        return dir;
    }

    String fails(Path dir) {
        var e = assertThrows(ModelFormatException.class, () -> Qwen25VlConfig.load(dir));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void eosFromTheConfigWithoutAGenerationConfig() throws IOException {
        Path dir = withConfig("\"tie_word_embeddings\": false", "\"tie_word_embeddings\": true");
        Qwen25VlConfig c = Qwen25VlConfig.load(dir);
        assertEquals(List.of(498), c.text().eosTokenIds());
        assertTrue(c.text().tieWordEmbeddings());
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": 496}");
        assertEquals(List.of(496), Qwen25VlConfig.load(dir).text().eosTokenIds(), "a single id");
    }

    @Test
    void ropeTypeSpellings() throws IOException {
        Qwen25VlConfig c = Qwen25VlConfig.load(withConfig("\"type\": \"mrope\"", "\"rope_type\": \"default\""));
        assertArrayEquals(new int[] {2, 3, 3}, c.mropeSection());
    }

    @Test
    void unsupportedArchitectureNamesTheSupportedOnes() throws IOException {
        Path dir = withConfig("Qwen2_5_VLForConditionalGeneration", "Qwen3VLForConditionalGeneration");
        assertEquals(dir.resolve("config.json") + ": unsupported architecture 'Qwen3VLForConditionalGeneration'; dycoke runs "
                + "LlavaOnevisionForConditionalGeneration and Qwen2_5_VLForConditionalGeneration", fails(dir));
    }

    @Test
    void missingOrBadFields() throws IOException {
        Path dir = withConfig("\"hidden_size\": 64,", "");
        assertEquals(dir.resolve("config.json") + ": missing required field hidden_size", fails(dir));
        dir = withConfig("\"mrope_section\"", "\"section\"");
        assertEquals(dir.resolve("config.json") + ": missing required field rope_scaling.mrope_section", fails(dir));
        dir = withConfig("\"rope_scaling\"", "\"rope_scaling_off\"");
        assertEquals(dir.resolve("config.json") + ": missing required field rope_scaling (with mrope_section)", fails(dir));
        dir = withConfig("\"type\": \"mrope\"", "\"type\": \"yarn\"");
        assertEquals(dir.resolve("config.json") + ": rope_scaling type 'yarn' is not supported (mrope only)", fails(dir));
        dir = withConfig("\"num_attention_heads\": 4,", "\"num_attention_heads\": 8,");
        assertEquals(dir.resolve("config.json") + ": field rope_scaling.mrope_section [2, 3, 3] must add up to head_dim/2 = 4", fails(dir));
        dir = withConfig("\"num_attention_heads\": 4,", "\"num_attention_heads\": 3,");
        assertEquals(dir.resolve("config.json") + ": the text model has inconsistent sizes (hidden 64, heads 3, kv heads 2)", fails(dir));
        Files.writeString(dir.resolve("config.json"), Files.readString(TINY.resolve("config.json")));
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": \"</s>\"}");
        assertEquals(dir.resolve("generation_config.json") + ": field eos_token_id must be an id or a list of ids, got \"</s>\"", fails(dir));
        assertEquals(tmp.resolve("none/config.json") + ": file not found", fails(tmp.resolve("none")));
    }
}
