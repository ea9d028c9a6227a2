package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.VisualTokens;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.llm.MropeIndex;
import dev.dycoke4j.llm.Positions;
import dev.dycoke4j.tensor.Tensor;
import dev.dycoke4j.testing.QwenVlOracle;
import dev.dycoke4j.vision.RgbFrame;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/** Qwen2.5-VL through the shared stages, for the tests: the oracle clip's frames, and one question answered on them. */
final class QwenStages {
    private QwenStages() {
    }

    /** The golden clip's 8 frames, as the oracle stored them. */
    static List<RgbFrame> goldenFrames() {
        try (Safetensors g = QwenVlOracle.golden("forward.safetensors")) {
            return frames(g.get("video_frames_u8"));
        }
    }

    static List<RgbFrame> frames(Tensor t) {
        int n = t.dim(0), h = t.dim(1), w = t.dim(2);
        byte[] all = t.toByteArray();
        int size = h * w * 3;
        List<RgbFrame> out = new ArrayList<>();
        for (int f = 0; f < n; f++) out.add(new RgbFrame(w, h, Arrays.copyOfRange(all, f * size, (f + 1) * size)));
        return out;
    }

    /** {@code question} about {@code frames}, one temporal step a second, through the stages without the caches. */
    static Answer answer(VideoQa qa, List<RgbFrame> frames, String question, GenerationOptions opts, CompressionMethod comp, Consumer<String> out) {
        return start(qa, frames, question, opts, comp, out).complete();
    }

    static Sequence start(VideoQa qa, List<RgbFrame> frames, String question, GenerationOptions opts, CompressionMethod comp, Consumer<String> out) {
        EncodedVideo v = qa.visionStage().encodeUncached(frames, 1.0, 0, VisionOptions.of(frames.size()), null);
        return qa.answerStage().start(qa.compressStage().apply(v, comp), question, null, opts, out, null);
    }

    /**
     * A prompt as the stages place it: its ids, the video's grid, every merged token of the video ({@code all}) and
     * the ones the method kept, in the order they take the video rows, and every prompt row's position.
     */
    record Placed(int[] prompt, MropeIndex.VideoGrid grid, VisualTokens all, VisualTokens kept, Positions positions) {
    }

    /** The prompt of {@code question} about {@code frames} as the stages place it, before any prefill. */
    static Placed prepare(VideoQa qa, List<RgbFrame> frames, String question, CompressionMethod comp) {
        EncodedVideo v = qa.visionStage().encodeUncached(frames, 1.0, 0, VisionOptions.of(frames.size()), null);
        CompressedVideo c = qa.compressStage().apply(v, comp);
        Sequence s = qa.answerStage().start(c, question, null, GenerationOptions.greedy(1), null, null);
        VisionFeatures.TemporalGrid tg = v.features().grid();
        var grid = new MropeIndex.VideoGrid(c.all().frames(), c.all().tokensPerFrame() / tg.width(), tg.width(), tg.secondsPerStep());
        return new Placed(s.prompt(), grid, c.all(), c.kept(), s.positions());
    }
}
