package dev.dycoke4j.io;

import dev.dycoke4j.pipeline.LlavaOneVision;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every class of bad checkpoint gets one line naming the file and the problem. */
class LoaderErrorsTest {
    @TempDir
    Path tmp;

    static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    String openFails(byte[] bytes) throws IOException {
        Path f = tmp.resolve("model.safetensors");
        Files.write(f, bytes);
        var e = assertThrows(ModelFormatException.class, () -> Safetensors.open(f));
        assertTrue(e.getMessage().startsWith(f.toString() + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void missingFile() {
        var e = assertThrows(ModelFormatException.class, () -> Safetensors.open(tmp.resolve("nope.safetensors")));
        assertTrue(e.getMessage().endsWith("nope.safetensors: file not found"), e.getMessage());
    }

    @Test
    void truncatedBeforeHeaderLength() throws IOException {
        assertTrue(openFails(new byte[5]).contains("truncated"));
    }

    @Test
    void headerLengthPastEndOfFile() throws IOException {
        byte[] b = file("{}", 0);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 5000);
        assertTrue(openFails(b).contains("runs past the end of the file"));
    }

    @Test
    void absurdHeaderLength() throws IOException {
        byte[] b = file("{}", 0);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -3);
        assertTrue(openFails(b).contains("not plausible"));
    }

    @Test
    void headerNotJson() throws IOException {
        assertTrue(openFails(file("{\"a\": [1, 2", 0)).contains("not valid JSON"));
    }

    @Test
    void offsetsOutOfRange() throws IOException {
        String h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
        assertTrue(openFails(file(h, 8)).contains("outside the data"));
    }

    @Test
    void offsetsReversed() throws IOException {
        String h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}";
        assertTrue(openFails(file(h, 8)).contains("outside the data"));
    }

    @Test
    void overlappingTensors() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertTrue(openFails(file(h, 12)).contains("overlap"));
    }

    @Test
    void sizeDisagreesWithShape() throws IOException {
        String h = "{\"w\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[0,8]}}";
        assertTrue(openFails(file(h, 8)).contains("needs 6"));
    }

    @Test
    void unsupportedDtype() throws IOException {
        String h = "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[8],\"data_offsets\":[0,8]}}";
        assertTrue(openFails(file(h, 8)).contains("unsupported dtype F8_E4M3"));
    }

    @Test
    void negativeShape() throws IOException {
        String h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}";
        assertTrue(openFails(file(h, 8)).contains("bad shape"));
    }

    @Test
    void tensorsAreBoundedViews() {
        try (Safetensors st = Oracle.golden("forward.safetensors")) {
            Tensor t = st.get("sample_idx");
            assertEquals(8, t.numel());
            assertThrows(IndexOutOfBoundsException.class, () -> t.getLong(8));
            assertThrows(IndexOutOfBoundsException.class, () -> t.getLong(-1));
        }
    }

    /** A copy of the oracle checkpoint with one tensor changed by {@code edit} (or removed when it returns null). */
    Path checkpointWith(String name, java.util.function.Function<Tensor, float[]> edit, long... shape) throws IOException {
        Path dir = tmp.resolve("ckpt");
        Files.createDirectories(dir);
        Files.copy(Oracle.model().resolve("config.json"), dir.resolve("config.json"));
        SafetensorsWriter w = new SafetensorsWriter();
        try (Safetensors st = Safetensors.open(Oracle.model().resolve("model.safetensors"))) {
            for (Map.Entry<String, Tensor> e : st.tensors().entrySet()) {
                Tensor t = e.getValue();
                if (e.getKey().equals(name)) {
                    float[] v = edit.apply(t);
                    if (v != null) w.add(name, DType.F32, v, shape);
                } else {
                    w.add(e.getKey(), DType.F32, t.toFloatArray(), t.shape());
                }
            }
        }
        w.write(dir.resolve("model.safetensors"));
        return dir;
    }

    @Test
    void missingTensor() throws IOException {
        Path dir = checkpointWith("language_model.model.layers.1.mlp.up_proj.weight", t -> null);
        var e = assertThrows(ModelFormatException.class, () -> LlavaOneVision.load(dir));
        assertEquals(dir.resolve("model.safetensors") + ": missing tensor 'language_model.model.layers.1.mlp.up_proj.weight'", e.getMessage());
    }

    @Test
    void shapeDisagreesWithConfig() throws IOException {
        Path dir = checkpointWith("language_model.model.layers.0.self_attn.q_proj.weight", t -> new float[64 * 48], 64, 48);
        var e = assertThrows(ModelFormatException.class, () -> LlavaOneVision.load(dir));
        assertEquals(dir.resolve("model.safetensors") + ": tensor 'language_model.model.layers.0.self_attn.q_proj.weight' has shape [64, 48], but config.json implies [64, 64]", e.getMessage());
    }

    @Test
    void integerWeightIsRejected() throws IOException {
        Path dir = tmp.resolve("ckpt-int");
        Files.createDirectories(dir);
        Files.copy(Oracle.model().resolve("config.json"), dir.resolve("config.json"));
        SafetensorsWriter w = new SafetensorsWriter();
        w.addLongs("image_newline", new long[64], 64);
        w.write(dir.resolve("model.safetensors"));
        try (Checkpoint ck = Checkpoint.open(dir)) {
            var e = assertThrows(ModelFormatException.class, () -> ck.weight("image_newline", 64));
            assertTrue(e.getMessage().contains("has dtype I64; weights must be F32, F16 or BF16"), e.getMessage());
        }
    }

    @Test
    void noSafetensorsInDirectory() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("empty"));
        var e = assertThrows(ModelFormatException.class, () -> Checkpoint.open(dir));
        assertEquals(dir + ": no model.safetensors (or index) found", e.getMessage());
    }

    @Test
    void shardIndexNamingAMissingShard() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("sharded"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\"}}");
        var e = assertThrows(ModelFormatException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains("lists shard 'model-00001-of-00002.safetensors', which is missing"), e.getMessage());
    }

    @Test
    void shardedCheckpointLoadsLikeTheSingleFile() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("shards"));
        Files.copy(Oracle.model().resolve("config.json"), dir.resolve("config.json"));
        StringBuilder map = new StringBuilder("{\"weight_map\":{");
        SafetensorsWriter a = new SafetensorsWriter(), b = new SafetensorsWriter();
        try (Safetensors st = Safetensors.open(Oracle.model().resolve("model.safetensors"))) {
            int i = 0;
            for (Map.Entry<String, Tensor> e : st.tensors().entrySet()) {
                boolean first = (i++ % 2) == 0;
                (first ? a : b).add(e.getKey(), DType.BF16, e.getValue().toFloatArray(), e.getValue().shape());
                map.append(i > 1 ? "," : "").append('"').append(e.getKey()).append("\":\"model-0000").append(first ? 1 : 2).append("-of-00002.safetensors\"");
            }
        }
        a.write(dir.resolve("model-00001-of-00002.safetensors"));
        b.write(dir.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), map.append("}}").toString());
        try (LlavaOneVision m = LlavaOneVision.load(dir)) {
            assertEquals(4, m.config().text().numHeads());
            float[] logits = m.decoder().forward(m.decoder().embed(new int[]{1, 2, 3}), 3, m.newCache(3), 1);
            assertEquals(512, logits.length);
        }
    }

    Path configWith(String json) throws IOException {
        Path f = tmp.resolve("config.json");
        Files.writeString(f, json);
        return f;
    }

    @Test
    void configMissingRequiredField() throws IOException {
        String cfg = Files.readString(Oracle.model().resolve("config.json")).replace("\"num_hidden_layers\": 3,", "");
        Path f = configWith(cfg);
        var e = assertThrows(ModelFormatException.class, () -> LlavaConfig.load(f));
        assertEquals(f + ": missing required field text_config.num_hidden_layers", e.getMessage());
    }

    @Test
    void configUnsupportedArchitecture() throws IOException {
        Path f = configWith("{\"model_type\":\"llama\",\"architectures\":[\"LlamaForCausalLM\"]}");
        var e = assertThrows(ModelFormatException.class, () -> LlavaConfig.load(f));
        assertTrue(e.getMessage().startsWith(f + ": unsupported architecture 'LlamaForCausalLM'"), e.getMessage());
    }

    @Test
    void configNotJson() throws IOException {
        Path f = configWith("{\"model_type\": ");
        var e = assertThrows(ModelFormatException.class, () -> LlavaConfig.load(f));
        assertTrue(e.getMessage().startsWith(f + ": not valid JSON"), e.getMessage());
    }

    @Test
    void configWrongFieldType() throws IOException {
        String cfg = Files.readString(Oracle.model().resolve("config.json")).replace("\"hidden_size\": 64", "\"hidden_size\": \"64\"");
        Path f = configWith(cfg);
        var e = assertThrows(ModelFormatException.class, () -> LlavaConfig.load(f));
        assertTrue(e.getMessage().contains("text_config.hidden_size must be an integer"), e.getMessage());
    }

    @Test
    void configDefaultsFollowTransformers() throws IOException {
        Path f = configWith("{\"model_type\":\"llava_onevision\"}");
        LlavaConfig c = LlavaConfig.load(f);
        assertEquals(151647, c.videoTokenId());
        assertEquals(-1, c.visionFeatureLayer());
        assertEquals(1152, c.vision().hiddenSize());
        assertEquals(384, c.vision().imageSize());
        assertEquals(14, c.vision().patchSize());
        assertEquals(14, c.vision().pooledSide());
        assertEquals(4096, c.text().hiddenSize());
        assertEquals(151936, c.text().vocabSize());
    }

    @Test
    void oracleConfigParses() {
        LlavaConfig c = LlavaConfig.load(Oracle.model().resolve("config.json"));
        assertEquals(501, c.videoTokenId());
        assertEquals(2, c.text().numKvHeads());
        assertEquals(16, c.text().headDim());
        assertEquals(1e6, c.text().ropeTheta());
        assertEquals(7, c.vision().gridSide());
        assertEquals(4, c.vision().pooledSide());
        assertTrue(c.tieWordEmbeddings());
    }
}
