package dev.dycoke4j.llm;

import dev.dycoke4j.io.Checkpoint;
import dev.dycoke4j.io.Qwen25VlConfig;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.io.SafetensorsWriter;
import dev.dycoke4j.io.Weights;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The weight layouts and prompt paths a Qwen2.5-VL decoder meets beyond the golden forward: the
 * {@code model.language_model.*} names of transformers 4.52+, a tied head, a prompt prefilled in chunks, and a
 * prefill hook, whose kept rows keep their M-RoPE positions.
 */
class Qwen25VlLayoutsTest {
    @TempDir
    Path tmp;

    /** The tiny checkpoint's tensors renamed by {@code rename} (null: dropped), with its configs, in a new folder. */
    Path rewritten(String name, Function<String, String> rename, boolean tied) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        try (Safetensors src = Safetensors.open(QwenOracle.model().resolve("model.safetensors"))) {
            SafetensorsWriter w = new SafetensorsWriter();
            for (Map.Entry<String, Tensor> e : src.tensors().entrySet()) {
                String to = rename.apply(e.getKey());
                if (to != null) w.add(to, DType.F32, e.getValue().toFloatArray(), e.getValue().shape());
            }
            w.write(dir.resolve("model.safetensors"));
        }
        String cfg = Files.readString(QwenOracle.model().resolve("config.json"));
        Files.writeString(dir.resolve("config.json"), tied ? cfg.replace("\"tie_word_embeddings\": false", "\"tie_word_embeddings\": true") : cfg);
        return dir;
    }

    static float[] prefillLogits(Path dir, Safetensors g) {
        Qwen25VlConfig c = Qwen25VlConfig.load(dir);
        try (Checkpoint ck = Checkpoint.open(dir)) {
            Qwen2Decoder dec = new Qwen2Decoder(new Weights(ck), c.text(), DecoderLayout.qwen25Vl(c, ck), KvCache.Precision.F32);
            return dec.forward(g.get("inputs_embeds").toFloatArray(), Positions.ofRows(g.get("position_ids").toLongArray()), dec.newCache(244), 244, null, null);
        }
    }

    @Test
    void transformers452NamesLoadTheSameModel() throws IOException {
        Path dir = rewritten("nested", n -> n.startsWith("model.") ? "model.language_model." + n.substring(6) : n, false);
        try (Safetensors g = QwenOracle.golden("forward.safetensors")) {
            Oracle.assertClose("logits", prefillLogits(dir, g), g.get("logits").toFloatArray(), 1e-4);
        }
    }

    @Test
    void aTiedHeadIsTheEmbeddingMatrix() throws IOException {
        Path tied = rewritten("tied", n -> n.equals("lm_head.weight") ? null : n, true);
        Path copied = rewritten("copied", n -> n.equals("lm_head.weight") ? null : n, false);
        try (Safetensors src = Safetensors.open(copied.resolve("model.safetensors"))) { // lm_head := embed_tokens, untied
            SafetensorsWriter w = new SafetensorsWriter();
            for (Map.Entry<String, Tensor> e : src.tensors().entrySet()) w.add(e.getKey(), DType.F32, e.getValue().toFloatArray(), e.getValue().shape());
            Tensor embed = src.get("model.embed_tokens.weight");
            w.add("lm_head.weight", DType.F32, embed.toFloatArray(), embed.shape());
            w.write(tmp.resolve("copied.safetensors"));
        }
        Files.move(tmp.resolve("copied.safetensors"), copied.resolve("model.safetensors"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (Safetensors g = QwenOracle.golden("forward.safetensors")) {
            assertArrayEquals(prefillLogits(copied, g), prefillLogits(tied, g));
            Path untied = rewritten("untied", n -> n.equals("lm_head.weight") ? null : n, false);
            var e = assertThrows(dev.dycoke4j.io.ModelFormatException.class, () -> prefillLogits(untied, g));
            assertEquals(untied + ": missing tensor 'lm_head.weight' (and tie_word_embeddings is false)", e.getMessage());
        }
    }

    /** Chunks of the prompt each take their slice of the positions: the same tokens and logits as one prefill. */
    @Test
    void aPromptPrefilledInChunksKeepsItsPositions() {
        try (QwenOracle q = QwenOracle.load(); Safetensors g = QwenOracle.golden("forward.safetensors")) {
            Positions p = Positions.ofRows(g.get("position_ids").toLongArray());
            float[] x = g.get("inputs_embeds").toFloatArray();
            KvCache cache = q.decoder.newCache(256);
            Generator gen = new Generator(q.decoder, cache, x, p, Sampler.greedy(), 12, Set.of(), null, null);
            while (!gen.prefillDone()) gen.prefill(50, false);
            assertEquals(60, cache.nextPosition());
            float[] gen0 = java.util.Arrays.copyOf(g.get("gen_logits").toFloatArray(), 512);
            Oracle.assertClose("first logits", gen.logits(), gen0, 1e-4);
            while (!gen.done()) {
                gen.choose();
                gen.feed();
            }
            assertArrayEquals(g.get("generated_ids").toIntArray(), gen.tokens());
        }
    }

    /**
     * The rows a prefill hook keeps go on through the upper layers at their own (t, h, w): with a hook after layer 0
     * that keeps every row, the result is the golden one, and it is not when the same rows take consecutive positions.
     */
    @Test
    void rowsAPrefillHookKeepsKeepTheirPositions() {
        try (QwenOracle q = QwenOracle.load(); Safetensors g = QwenOracle.golden("forward.safetensors")) {
            Positions p = Positions.ofRows(g.get("position_ids").toLongArray());
            float[] x = g.get("inputs_embeds").toFloatArray();
            int T = p.count();
            // keeping every row is no pruning at all: the golden logits, at the golden positions
            PrefillHook all = new PrefillHook() {
                public int layer() {
                    return 0;
                }

                public int[] keep(float[] probs, int rows) {
                    return java.util.stream.IntStream.range(0, rows).toArray();
                }
            };
            float[] logits = q.decoder.forward(x.clone(), p, q.decoder.newCache(T), 1, null, all);
            float[] want = g.get("logits").toFloatArray();
            Oracle.assertClose("last row with a keep-all hook", logits, java.util.Arrays.copyOfRange(want, (T - 1) * 512, T * 512), 1e-4);
            // a keep-all hook with the positions lost (consecutive) would not match: the positions are what it carries
            float[] flat = q.decoder.forward(x.clone(), T, q.decoder.newCache(T), 1, null, all);
            assertEquals(true, Oracle.maxAbsDiff(flat, java.util.Arrays.copyOfRange(want, (T - 1) * 512, T * 512)) > 1e-2);
        }
    }
}
