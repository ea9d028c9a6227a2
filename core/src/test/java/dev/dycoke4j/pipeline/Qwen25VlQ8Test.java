package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.io.Q8Cache;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.llm.Positions;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.testing.QwenVlOracle;
import dev.dycoke4j.vision.RgbFrame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tiny Qwen2.5-VL oracle loaded through {@link VideoQa#load} with int8 language-model weights ({@code --weights q8}), against the float32
 * reference's golden logits and tokens, and the on-disk q8 cache written once and read back.
 */
class Qwen25VlQ8Test {
    static final String QUESTION = "What happens in this video?";

    @TempDir
    Path tmp;

    /** Prefill logits of the golden prompt (its inputs embeddings and M-RoPE positions) through {@code m}'s language model. */
    static float[] prefill(Qwen25Vl m, Safetensors g) {
        int T = g.get("input_ids").toIntArray().length;
        return m.decoder().forward(g.get("inputs_embeds").toFloatArray(), Positions.ofRows(g.get("position_ids").toLongArray()),
                m.decoder().newCache(T), T, null, null);
    }

    static List<RgbFrame> frames(Safetensors g) {
        return QwenStages.frames(g.get("video_frames_u8"));
    }

    /**
     * Teacher forcing: the golden prompt (its inputs embeddings and M-RoPE positions) prefilled, then the golden tokens
     * fed one at a time; the logits each step's token is chosen from, {@code [steps, vocab]}.
     */
    static float[][] teacherForced(Qwen25Vl m, Safetensors g, String prefix) {
        int[] in = g.get(prefix + "input_ids").toIntArray(), gen = g.get(prefix + "generated_ids").toIntArray();
        var cache = m.decoder().newCache(in.length + gen.length);
        float[][] rows = new float[gen.length][];
        rows[0] = m.decoder().forward(g.get(prefix + "inputs_embeds").toFloatArray(), Positions.ofRows(g.get(prefix + "position_ids").toLongArray()),
                cache, 1, null, null);
        for (int s = 1; s < gen.length; s++) rows[s] = m.decoder().forward(m.decoder().embed(new int[]{gen[s - 1]}), 1, cache, 1);
        return rows;
    }

    static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
        return best;
    }

    /**
     * Against the float32 reference: the prefill logits within LLaVA-OneVision's q8 bound, and greedy decoding under
     * teacher forcing. The tiny model's logits are small (|logit| up to 3) and some steps are near-ties, their golden
     * top-1 ahead by less than int8 weights move the logits: at step 3 (ahead by 0.0066, the smallest of the 12) q8
     * takes the runner-up, so free-running greedy is compared up to there; at step 8 (0.0073) it holds. Every other
     * step must agree, and the EVS case (smallest margin 0.018) all the way.
     */
    @Test
    void q8LogitsAndGreedyTokensAgainstTheF32Reference() {
        try (Safetensors g = QwenVlOracle.golden("forward.safetensors"); Safetensors evs = QwenVlOracle.golden("evs.safetensors");
             VideoQa refQa = VideoQa.load(QwenVlOracle.model(), LoadOptions.asStored());
             VideoQa q8Qa = VideoQa.load(QwenVlOracle.model(), LoadOptions.q8())) {
            Qwen25Vl ref = (Qwen25Vl) refQa.videoModel(), q8 = (Qwen25Vl) q8Qa.videoModel();
            assertEquals(LoadOptions.WeightFormat.Q8, q8.weightFormat());
            assertEquals(LoadOptions.WeightFormat.AS_STORED, ref.weightFormat());
            // the bound LLaVA-OneVision's q8 test uses against its F32 reference
            float e = Oracle.maxAbsDiff(prefill(q8, g), g.get("logits").toFloatArray());
            assertTrue(e > 0 && e <= 0.27f, "q8: max |logit diff| " + e);
            for (String prefix : new String[]{"", "evs_"}) {
                Safetensors s = prefix.isEmpty() ? g : evs;
                int[] golden = s.get(prefix + "generated_ids").toIntArray();
                float[] ref2 = s.get(prefix + "gen_logits").toFloatArray();
                float[][] rows = teacherForced(q8, s, prefix);
                List<Integer> disagree = new ArrayList<>();
                for (int step = 0; step < golden.length; step++) {
                    float[] want = java.util.Arrays.copyOfRange(ref2, step * rows[step].length, (step + 1) * rows[step].length);
                    float err = Oracle.maxAbsDiff(rows[step], want);
                    assertTrue(err <= 0.27f, prefix + "step " + step + ": max |logit diff| " + err);
                    if (argmax(rows[step]) != golden[step]) disagree.add(step);
                }
                assertEquals(prefix.isEmpty() ? List.of(3) : List.of(), disagree, prefix + "teacher-forced greedy disagrees only at the near-tie");
            }
            // free-running: the reference's tokens up to the near-tie at step 3
            int[] golden = g.get("generated_ids").toIntArray();
            Answer a = QwenStages.answer(q8Qa, frames(g), QUESTION, GenerationOptions.greedy(golden.length), CompressionMethods.none(), null);
            assertArrayEquals(java.util.Arrays.copyOf(golden, 3), java.util.Arrays.copyOf(a.tokenIds(), 3), "q8, free-running greedy before the near-tie");
            int[] goldenEvs = evs.get("evs_generated_ids").toIntArray();
            Answer b = QwenStages.answer(q8Qa, frames(g), QUESTION, GenerationOptions.greedy(goldenEvs.length),
                    CompressionMethods.parse("evs", Map.of("ratio", "0.5")), null);
            assertArrayEquals(goldenEvs, b.tokenIds(), "q8 with EVS, free-running greedy (its smallest golden margin is 0.018)");
            // every language-model matrix (7 per layer and the untied head) at 1 + 4/32 bytes per F32 weight
            assertEquals(ref.decoder().decodeWeightBytes() / 4 * 9 / 8, q8.decoder().decodeWeightBytes());
        }
    }

    @Test
    void theQ8CacheHoldsTheLanguageModelOnlyAndIsReadBack() throws IOException {
        Path model = tmp.resolve("model");
        Files.createDirectories(model);
        try (Stream<Path> s = Files.list(QwenVlOracle.model())) {
            for (Path p : s.toList()) Files.copy(p, model.resolve(p.getFileName()));
        }
        List<String> notes = new ArrayList<>();
        LoadOptions cached = LoadOptions.q8().withWeightsCache(tmp.resolve("fallback")).withNotes(notes::add);
        Path file = model.resolve(Q8Cache.LOCAL);
        float[] fresh, first, second;
        int[] tokensFirst, tokensSecond;
        try (Safetensors g = QwenVlOracle.golden("forward.safetensors")) {
            try (VideoQa qa = VideoQa.load(model, LoadOptions.q8())) {
                fresh = prefill((Qwen25Vl) qa.videoModel(), g);
            }
            try (VideoQa qa = VideoQa.load(model, cached)) {
                Qwen25Vl m = (Qwen25Vl) qa.videoModel();
                assertFalse(m.weightsFromCache());
                first = prefill(m, g);
                tokensFirst = QwenStages.answer(qa, frames(g), QUESTION, GenerationOptions.greedy(6), CompressionMethods.none(), null).tokenIds();
            }
            assertEquals(List.of("dycoke: wrote the q8 weights cache " + file), notes);
            notes.clear();
            try (VideoQa qa = VideoQa.load(model, cached)) {
                Qwen25Vl m = (Qwen25Vl) qa.videoModel();
                assertTrue(m.weightsFromCache(), "the second load reads the cache");
                assertEquals(LoadOptions.WeightFormat.Q8, m.weightFormat());
                second = prefill(m, g);
                tokensSecond = QwenStages.answer(qa, frames(g), QUESTION, GenerationOptions.greedy(6), CompressionMethods.none(), null).tokenIds();
            }
        }
        assertTrue(notes.isEmpty(), notes.toString());
        assertArrayEquals(fresh, first);
        assertArrayEquals(fresh, second);
        assertArrayEquals(tokensFirst, tokensSecond);
        // the int8 matrices are the decoder's 7 per layer and lm_head; the vision tower stays as stored, as SigLIP does
        try (Safetensors c = Safetensors.open(file)) {
            List<String> matrices = c.tensors().keySet().stream().filter(n -> !n.endsWith(".scales")).sorted().toList();
            assertEquals(3 * 7 + 1, matrices.size(), matrices.toString());
            assertTrue(matrices.contains("lm_head.weight"), matrices.toString());
            assertTrue(matrices.stream().allMatch(n -> n.equals("lm_head.weight") || n.startsWith("model.layers.")), matrices.toString());
        }
    }
}
