package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.tensor.Tensor;
import dev.dycoke4j.testing.QwenVlOracle;
import dev.dycoke4j.vision.RgbFrame;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Qwen2.5-VL end to end from the oracle clip's frames: preprocessing, the vision tower, the chat template, M-RoPE
 * positions and greedy generation give exactly the golden answer; the methods it cannot run are refused.
 */
class Qwen25VlAnswerTest {
    static List<RgbFrame> frames(Tensor t) {
        return QwenStages.frames(t);
    }

    @Test
    void theClipsEightFramesGiveTheGoldenGreedyAnswer() {
        List<RgbFrame> frames;
        int[] golden, input;
        try (Safetensors g = QwenVlOracle.golden("forward.safetensors")) {
            frames = frames(g.get("video_frames_u8"));
            golden = g.get("generated_ids").toIntArray();
            input = g.get("input_ids").toIntArray();
        }
        try (VideoQa m = VideoQa.load(QwenVlOracle.model())) {
            assertEquals(Qwen25Vl.class, m.videoModel().getClass(), "config.json picks the family");
            StringBuilder streamed = new StringBuilder();
            Answer a = QwenStages.answer(m, frames, "What happens in this video?", GenerationOptions.greedy(golden.length),
                    CompressionMethods.none(), streamed::append);
            assertArrayEquals(golden, a.tokenIds());
            assertEquals(m.tokenizer().decode(golden), a.text());
            assertEquals(a.text(), streamed.toString());
            assertEquals(input.length, a.stats().promptTokens());
            assertEquals(192, a.stats().visualTokens());
            assertEquals(8, a.stats().frames());
        }
    }

    /**
     * EVS at q = 0.5 as vLLM runs it: 96 of the 192 tokens, each at its unpruned position, give the golden EVS
     * answer and prompt length.
     */
    @Test
    void evsAtHalfGivesTheGoldenEvsAnswer() {
        List<RgbFrame> frames;
        int[] golden, input;
        try (Safetensors g = QwenVlOracle.golden("forward.safetensors"); Safetensors evs = QwenVlOracle.golden("evs.safetensors")) {
            frames = frames(g.get("video_frames_u8"));
            golden = evs.get("evs_generated_ids").toIntArray();
            input = evs.get("evs_input_ids").toIntArray();
        }
        try (VideoQa m = VideoQa.load(QwenVlOracle.model())) {
            Answer a = QwenStages.answer(m, frames, "What happens in this video?", GenerationOptions.greedy(golden.length),
                    CompressionMethods.parse("evs", Map.of("ratio", "0.5")), null);
            assertArrayEquals(golden, a.tokenIds());
            assertEquals(input.length, a.stats().promptTokens());
            assertEquals(192, a.stats().visualTokens());
            assertEquals(96, a.stats().visualKept());
        }
    }

    @Test
    void aCompressionMethodIsRefusedInOneLine() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Qwen25Vl.checkSupported(CompressionMethods.parse("prumerge", Map.of())));
        assertEquals("compression method 'prumerge' ranks tokens by the vision tower's attention, which Qwen2.5-VL's tower does not give (supported: "
                + Qwen25Vl.SUPPORTED + ")", e.getMessage());
        var noRatio = assertThrows(IllegalArgumentException.class,
                () -> Qwen25Vl.checkSupported(CompressionMethods.parse("evs", Map.of())));
        assertEquals("evs on Qwen2.5-VL needs an explicit retained ratio", noRatio.getMessage());
        Qwen25Vl.checkSupported(CompressionMethods.none());
        Qwen25Vl.checkSupported(CompressionMethods.parse("evs", Map.of("ratio", "0.5")));
    }

    /** The compress stage asks the family: a method Qwen cannot run is refused there, before any answer. */
    @Test
    void theCompressStageRefusesWhatQwenCannotRun() {
        try (VideoQa m = VideoQa.load(QwenVlOracle.model())) {
            List<RgbFrame> frames = QwenStages.goldenFrames().subList(0, 2);
            EncodedVideo v = m.visionStage().encodeUncached(frames, 1.0, 0, VisionOptions.of(2), null);
            var e = assertThrows(IllegalArgumentException.class, () -> m.compressStage().apply(v, CompressionMethods.parse("visionzip", Map.of())));
            assertEquals("compression method 'visionzip' ranks tokens by the vision tower's attention, which Qwen2.5-VL's tower does not give (supported: "
                    + Qwen25Vl.SUPPORTED + ")", e.getMessage());
        }
    }
}
