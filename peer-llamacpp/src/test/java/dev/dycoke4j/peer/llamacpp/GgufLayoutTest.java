package dev.dycoke4j.peer.llamacpp;

import dev.dycoke4j.io.Checkpoint;
import dev.dycoke4j.io.ModelFormatException;
import dev.dycoke4j.tensor.Tensor;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The oracle's tiny BF16 model as a qwen2 GGUF, read back: llama.cpp's keys, the padded vocabulary, and the same values. */
class GgufLayoutTest {
    @TempDir
    Path tmp;

    @Test
    void f16HoldsTheCheckpointsValuesUnderLlamaCppsNames() throws Exception {
        Path f = tmp.resolve("m.gguf");
        GgufLayout.write(Oracle.modelBf16(), f, GgufLayout.Precision.F16);
        GgufReader g = GgufReader.read(f);
        var md = g.metadata();
        assertEquals("qwen2", md.get("general.architecture"));
        assertEquals(1L, md.get("general.file_type"));
        assertEquals(64L, md.get("qwen2.embedding_length"));
        assertEquals(3L, md.get("qwen2.block_count"));
        assertEquals(128L, md.get("qwen2.feed_forward_length"));
        assertEquals(4L, md.get("qwen2.attention.head_count"));
        assertEquals(2L, md.get("qwen2.attention.head_count_kv"));
        assertEquals(4096L, md.get("qwen2.context_length"));
        assertEquals(1e6f, md.get("qwen2.rope.freq_base"));
        assertEquals(1e-6f, md.get("qwen2.attention.layer_norm_rms_epsilon"));
        assertEquals("gpt2", md.get("tokenizer.ggml.model"));
        assertEquals(503L, md.get("tokenizer.ggml.eos_token_id"));
        List<?> tokens = (List<?>) md.get("tokenizer.ggml.tokens"), types = (List<?>) md.get("tokenizer.ggml.token_type");
        assertEquals(512, tokens.size(), "one token per embedding row");
        assertEquals("<|im_start|>", tokens.get(502));
        assertEquals(GgufLayout.CONTROL, types.get(502));
        assertEquals("[PAD511]", tokens.get(511));
        assertEquals(GgufLayout.UNUSED, types.get(511));
        assertEquals(GgufLayout.NORMAL, types.get(0));
        assertFalse(((List<?>) md.get("tokenizer.ggml.merges")).isEmpty());
        // 1 + 3 x 12 + 1 tensors; the head is tied, so no output.weight
        assertEquals(38, g.tensors().size());
        assertFalse(g.tensors().containsKey("output.weight"));
        assertTrue(g.tensors().keySet().containsAll(List.of("token_embd.weight", "output_norm.weight", "blk.2.attn_q.bias", "blk.2.ffn_down.weight")));
        try (Checkpoint ck = Checkpoint.open(Oracle.modelBf16())) {
            Tensor q = ck.weight("language_model.model.layers.1.self_attn.k_proj.weight");
            assertArrayEquals(new long[] {q.dim(1), q.dim(0)}, g.tensors().get("blk.1.attn_k.weight").ne(), "ggml dimensions, innermost first");
            assertEquals(GgufWriter.Type.F16.id, g.tensors().get("blk.1.attn_k.weight").type());
            ByteBuffer d = g.data("blk.1.attn_k.weight", 2 * q.numel());
            for (long i = 0; i < q.numel(); i++) assertEquals(q.getFloat(i), Float.float16ToFloat(d.getShort()), "element " + i + ": BF16 to F16 is exact");
            Tensor bias = ck.weight("language_model.model.layers.1.self_attn.k_proj.bias");
            assertEquals(GgufWriter.Type.F32.id, g.tensors().get("blk.1.attn_k.bias").type());
            ByteBuffer b = g.data("blk.1.attn_k.bias", 4 * bias.numel());
            for (long i = 0; i < bias.numel(); i++) assertEquals(bias.getFloat(i), b.getFloat());
        }
    }

    @Test
    void q80BlocksAreThoseOfTheCheckpointsValues() throws Exception {
        Path f = tmp.resolve("m.gguf");
        GgufLayout.write(Oracle.modelBf16(), f, GgufLayout.Precision.Q8_0);
        GgufReader g = GgufReader.read(f);
        assertEquals(7L, g.metadata().get("general.file_type"));
        assertEquals(GgufWriter.Type.F32.id, g.tensors().get("blk.0.attn_norm.weight").type(), "norms stay F32");
        try (Checkpoint ck = Checkpoint.open(Oracle.modelBf16())) {
            Tensor w = ck.weight("language_model.model.layers.0.mlp.down_proj.weight");
            int rows = w.dim(0), cols = w.dim(1);
            assertEquals(GgufWriter.Type.Q8_0.id, g.tensors().get("blk.0.ffn_down.weight").type());
            ByteBuffer d = g.data("blk.0.ffn_down.weight", (long) rows * cols / 32 * 34);
            float[] all = w.toFloatArray();
            for (int r = 0; r < rows; r++) for (int blk = 0; blk < cols; blk += 32) GgufWriterTest.assertBlock(all, r * cols + blk, d);
        }
    }

    @Test
    void aModelWithoutTokenizerIsOneLine() throws Exception {
        Path model = TinyModel.write(tmp.resolve("llava"));
        Files.delete(model.resolve("tokenizer.json"));
        var e = assertThrows(ModelFormatException.class, () -> GgufLayout.write(model, tmp.resolve("m.gguf"), GgufLayout.Precision.F16));
        assertEquals(model + ": no tokenizer.json (llama.cpp needs one)", e.getMessage());
    }
}
