package dev.dycoke4j.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.testing.QwenVlOracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

class Qwen25VlVisionConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void readsTheTinyCheckpoint() {
        var c = Qwen25VlVisionConfig.load(QwenVlOracle.model());
        assertEquals(4, c.depth());
        assertEquals(64, c.hiddenSize());
        assertEquals(4, c.numHeads());
        assertEquals(16, c.headDim());
        assertEquals(112, c.intermediateSize());
        assertEquals(14, c.patchSize());
        assertEquals(2, c.temporalPatchSize());
        assertEquals(2, c.spatialMergeSize());
        assertEquals(112, c.windowSize());
        assertEquals(4, c.mergedWindow());
        assertEquals(List.of(1, 3), c.fullattBlockIndexes());
        assertTrue(c.isFullAttention(1) && !c.isFullAttention(0));
        assertEquals(64, c.outHiddenSize());
        assertEquals(2, c.tokensPerSecond());
        assertEquals(3, c.inChans());
        assertEquals(1176, c.patchDim());
        assertEquals("silu", c.hiddenAct());
        var v = c.video();
        assertEquals(3136, v.minPixels());
        assertEquals(12845056, v.maxPixels());
        assertArrayEquals(new double[]{0.48145466, 0.4578275, 0.40821073}, v.mean());
        assertArrayEquals(new double[]{0.26862954, 0.26130258, 0.27577711}, v.std());
        assertEquals(1.0 / 255, v.rescaleFactor(), 1e-15);
        assertEquals(28, v.factor());
        assertEquals(3, v.resample());
    }

    /** A copy of the tiny checkpoint's two configs with {@code edit} applied to them, loaded. */
    private Qwen25VlVisionConfig loadEdited(Consumer<ObjectNode> visionEdit, Consumer<ObjectNode> ppEdit) throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(QwenVlOracle.model().resolve("config.json").toFile());
        ObjectNode pp = (ObjectNode) JSON.readTree(QwenVlOracle.model().resolve("preprocessor_config.json").toFile());
        visionEdit.accept((ObjectNode) config.get("vision_config"));
        ppEdit.accept(pp);
        Files.writeString(tmp.resolve("config.json"), config.toString());
        Files.writeString(tmp.resolve("preprocessor_config.json"), pp.toString());
        return Qwen25VlVisionConfig.load(tmp);
    }

    private String fails(Consumer<ObjectNode> visionEdit, Consumer<ObjectNode> ppEdit) {
        var e = assertThrows(ModelFormatException.class, () -> loadEdited(visionEdit, ppEdit));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    private static void none(ObjectNode n) {
    }

    @Test
    void missingOrBadVisionFieldsNameTheFileAndField() {
        String m = fails(n -> n.remove("depth"), Qwen25VlVisionConfigTest::none);
        assertEquals(tmp.resolve("config.json") + ": missing required field vision_config.depth", m);
        m = fails(n -> n.put("hidden_size", "wide"), Qwen25VlVisionConfigTest::none);
        assertTrue(m.startsWith(tmp.resolve("config.json") + ": field vision_config.hidden_size must be a positive integer"), m);
        m = fails(n -> n.putArray("fullatt_block_indexes").add(1).add(4), Qwen25VlVisionConfigTest::none);
        assertTrue(m.contains("vision_config.fullatt_block_indexes must hold block indexes in 0..3"), m);
        m = fails(n -> n.remove("fullatt_block_indexes"), Qwen25VlVisionConfigTest::none);
        assertTrue(m.endsWith("missing required field vision_config.fullatt_block_indexes"), m);
        m = fails(n -> n.put("hidden_act", "gelu"), Qwen25VlVisionConfigTest::none);
        assertTrue(m.contains("vision_config.hidden_act is 'gelu'; only silu is supported"), m);
        m = fails(n -> n.put("num_heads", 3), Qwen25VlVisionConfigTest::none);
        assertTrue(m.contains("vision_config.num_heads is 3"), m);
        m = fails(n -> n.put("window_size", 100), Qwen25VlVisionConfigTest::none);
        assertTrue(m.contains("vision_config.window_size is 100, not a multiple of"), m);
        m = fails(n -> n.remove("tokens_per_second"), Qwen25VlVisionConfigTest::none);
        assertTrue(m.endsWith("missing required field vision_config.tokens_per_second"), m);
    }

    @Test
    void badPreprocessorFieldsNameTheFileAndField() {
        String pp = tmp.resolve("preprocessor_config.json").toString();
        String m = fails(Qwen25VlVisionConfigTest::none, n -> n.put("min_pixels", 0));
        assertTrue(m.startsWith(pp + ": field min_pixels must be a positive integer"), m);
        m = fails(Qwen25VlVisionConfigTest::none, n -> n.put("min_pixels", 5000).put("max_pixels", 4000));
        assertEquals(pp + ": field min_pixels is 5000, above max_pixels 4000", m);
        m = fails(Qwen25VlVisionConfigTest::none, n -> n.put("patch_size", 16));
        assertEquals(pp + ": field patch_size is 16 but config.json's vision_config.patch_size is 14", m);
        m = fails(Qwen25VlVisionConfigTest::none, n -> n.put("resample", 2));
        assertTrue(m.contains("field resample is 2; only 3 (bicubic) is supported"), m);
        m = fails(Qwen25VlVisionConfigTest::none, n -> n.putArray("image_std").add(0.5).add(0).add(0.5));
        assertTrue(m.contains("field image_std must be 3 positive numbers"), m);
        m = fails(Qwen25VlVisionConfigTest::none, n -> n.put("image_mean", "clip"));
        assertTrue(m.contains("field image_mean must be 3 numbers"), m);
        m = fails(Qwen25VlVisionConfigTest::none, n -> {
            n.remove("min_pixels");
            n.replace("size", JSON.createObjectNode().put("shortest_edge", -1));
        });
        assertTrue(m.contains("field size.shortest_edge must be a positive integer"), m);
    }

    @Test
    void sizeLimitsComeFromSizeWhenMinMaxPixelsAreAbsent() throws IOException {
        var c = loadEdited(Qwen25VlVisionConfigTest::none, n -> {
            n.remove("min_pixels");
            n.remove("max_pixels");
            n.replace("size", JSON.createObjectNode().put("shortest_edge", 100352).put("longest_edge", 602112));
        });
        assertEquals(100352, c.video().minPixels());
        assertEquals(602112, c.video().maxPixels());
        var d = loadEdited(Qwen25VlVisionConfigTest::none, n -> {
            n.remove("min_pixels");
            n.remove("max_pixels");
            n.remove("size");
        });
        assertEquals(Qwen25VlVisionConfig.DEFAULT_MIN_PIXELS, d.video().minPixels());
        assertEquals(Qwen25VlVisionConfig.DEFAULT_MAX_PIXELS, d.video().maxPixels());
    }

    @Test
    void aVideoPreprocessorConfigTakesPrecedence() throws IOException {
        loadEdited(Qwen25VlVisionConfigTest::none, Qwen25VlVisionConfigTest::none);
        Files.writeString(tmp.resolve("video_preprocessor_config.json"), "{\"min_pixels\": 6272, \"max_pixels\": 9408}");
        var c = Qwen25VlVisionConfig.load(tmp);
        assertEquals(6272, c.video().minPixels());
        assertEquals(9408, c.video().maxPixels());
    }

    @Test
    void missingConfigOrVisionConfig() throws IOException {
        var e = assertThrows(ModelFormatException.class, () -> Qwen25VlVisionConfig.load(tmp));
        assertEquals(tmp.resolve("config.json") + ": file not found", e.getMessage());
        Files.writeString(tmp.resolve("config.json"), "{\"model_type\": \"qwen2_5_vl\"}");
        e = assertThrows(ModelFormatException.class, () -> Qwen25VlVisionConfig.load(tmp));
        assertEquals(tmp.resolve("config.json") + ": missing required field vision_config", e.getMessage());
        Files.writeString(tmp.resolve("config.json"), "{\"vision_config\": ");
        e = assertThrows(ModelFormatException.class, () -> Qwen25VlVisionConfig.load(tmp));
        assertTrue(e.getMessage().startsWith(tmp.resolve("config.json") + ": not valid JSON"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
