package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.io.Qwen25VlConfig;
import dev.dycoke4j.io.Qwen25VlVisionConfig;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;
import dev.dycoke4j.vision.RgbFrame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The random Qwen2.5-VL checkpoint: a tiny shape written by the same code as the 3B one loads as a Qwen2.5-VL model
 * and answers, as stored and in q8 (its LM head tied, as 3B's is); the 3B shape's configs are what the loaders read
 * for Qwen/Qwen2.5-VL-3B-Instruct, and its stated size is the tensors' size.
 */
class QwenRandomCheckpointTest {
    @TempDir
    Path tmp;

    /** Small dimensions on the same code path: 2 vision blocks (the second with full attention), 2 decoder layers. */
    static QwenRandomCheckpoint.Spec tiny(boolean tied) {
        return new QwenRandomCheckpoint.Spec(2, 32, 48, 2, 112, List.of(1), 64, 128, 2, 4, 2, 512, 496, 4096, tied,
                List.of(2, 3, 3), DType.BF16);
    }

    static List<RgbFrame> frames(int n, int w, int h) {
        List<RgbFrame> out = new ArrayList<>();
        for (int f = 0; f < n; f++) {
            byte[] rgb = new byte[w * h * 3];
            for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) ((i * 7 + f * 31) % 251);
            out.add(new RgbFrame(w, h, rgb));
        }
        return out;
    }

    @Test
    void aTinyShapeLoadsAsQwen25VlAndAnswers() {
        for (boolean tied : new boolean[]{true, false}) {
            Path dir = tmp.resolve(tied ? "tied" : "own-head");
            QwenRandomCheckpoint.Spec spec = tiny(tied);
            QwenRandomCheckpoint.write(dir, spec, 7);
            long stored;
            try (Safetensors s = Safetensors.open(dir.resolve("model.safetensors"))) {
                stored = s.tensors().values().stream().mapToLong(Tensor::numel).sum();
                assertEquals(!tied, s.tensors().containsKey("lm_head.weight"));
            }
            assertEquals(spec.parameters(), stored, "parameters() counts every tensor written");
            int[] asStored;
            try (VideoQa qa = VideoQa.load(dir, LoadOptions.asStored())) {
                Qwen25Vl m = (Qwen25Vl) qa.videoModel();
                assertEquals(List.of(498, 496), m.config().text().eosTokenIds());
                Answer a = QwenStages.answer(qa, frames(4, 64, 48), "What happens in this video?", new GenerationOptions(5, 0f, 1f, 0, true),
                        CompressionMethods.none(), null);
                asStored = a.tokenIds();
                assertEquals(5, asStored.length);
                assertEquals(2 * 2 * 2, a.stats().visualTokens(), "2 temporal steps of 2x2 merged tokens (smart_resize: 56x56)");
            }
            try (VideoQa qa = VideoQa.load(dir, LoadOptions.q8())) {
                Answer a = QwenStages.answer(qa, frames(4, 64, 48), "What happens in this video?", new GenerationOptions(5, 0f, 1f, 0, true),
                        CompressionMethods.none(), null);
                assertEquals(5, a.tokenIds().length);
                assertEquals(LoadOptions.WeightFormat.Q8, qa.videoModel().weightFormat());
            }
        }
    }

    @Test
    void theThreeBShapeIsQwen25Vl3bInstructsConfig() throws IOException {
        QwenRandomCheckpoint.Spec s = QwenRandomCheckpoint.Spec.qwen25Vl3b(DType.BF16);
        Path dir = tmp.resolve("3b");
        QwenRandomCheckpoint.writeConfigs(dir, s);
        Qwen25VlConfig c = Qwen25VlConfig.load(dir);
        assertEquals(2048, c.text().hiddenSize());
        assertEquals(36, c.text().numLayers());
        assertEquals(16, c.text().numHeads());
        assertEquals(2, c.text().numKvHeads());
        assertEquals(11008, c.text().intermediateSize());
        assertEquals(151936, c.text().vocabSize());
        assertTrue(c.text().tieWordEmbeddings());
        assertArrayEquals(new int[]{16, 24, 24}, c.mropeSection());
        assertEquals(151656, c.videoTokenId());
        assertEquals(151652, c.visionStartTokenId());
        assertEquals(List.of(151645, 151643), c.text().eosTokenIds());
        Qwen25VlVisionConfig v = Qwen25VlVisionConfig.load(dir);
        assertEquals(32, v.depth());
        assertEquals(1280, v.hiddenSize());
        assertEquals(3420, v.intermediateSize());
        assertEquals(2048, v.outHiddenSize());
        assertEquals(112, v.windowSize());
        assertTrue(v.isFullAttention(7) && v.isFullAttention(15) && v.isFullAttention(23) && v.isFullAttention(31) && !v.isFullAttention(8));
        // about 3.75 billion parameters: 7.5 GB in BF16
        assertTrue(s.parameters() > 3_700_000_000L && s.parameters() < 3_800_000_000L, "parameters " + s.parameters());
        assertEquals(s.parameters() * 2, s.bytes());
        assertTrue(Files.notExists(dir.resolve("model.safetensors")), "no weights written for the real shape");
    }
}
