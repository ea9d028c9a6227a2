package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.compress.FastVid;
import dev.dycoke4j.compress.VisualTokens;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.testing.PoolingHeads;
import dev.dycoke4j.testing.RecordingTrace;
import dev.dycoke4j.vision.SiglipPoolingHead;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FastVID end to end on the tiny oracle checkpoint with a random SigLIP pooling head of the tower's shape: the kept
 * tokens are FastVID's on the traced pooled features with the frame signals computed the plain way from the traced
 * tower output (every key and value of the head, per frame), the probe attention pooled like the features.
 */
class FastVidOnOracleTest {
    static final int F = 8, T = 16;
    static VideoQa qa;
    static float[] pixels;
    static Map<String, float[]> head;
    @TempDir
    static Path tmp;

    @BeforeAll
    static void load() throws Exception {
        qa = VideoQa.load(Oracle.model());
        var vc = qa.model().config().vision();
        head = PoolingHeads.weights(vc.hiddenSize(), vc.intermediateSize(), 11);
        Path f = tmp.resolve("model.safetensors");
        Files.write(f, PoolingHeads.file(head, vc.hiddenSize(), tmp));
        qa.poolingHead(SiglipPoolingHead.read(f, vc.hiddenSize(), vc.numHeads(), vc.layerNormEps()));
        try (Safetensors g = Oracle.golden("forward.safetensors")) {
            pixels = g.get("pixel_values_videos").toFloatArray();
        }
    }

    @AfterAll
    static void close() {
        qa.close();
    }

    static final String Q = "What happens in this video?";

    /** The oracle model with the pooling head answering {@link #Q} with {@code comp}, 4 greedy tokens, traced. */
    static MethodsOnOracleTest.Run run(CompressionMethod comp) {
        RecordingTrace trace = new RecordingTrace();
        Answer a = qa.answerFromPixels(pixels, VisionOptions.of(F), Q, null, GenerationOptions.greedy(4), comp, null, trace);
        return new MethodsOnOracleTest.Run(a, trace.floats(), trace.ids());
    }

    @ParameterizedTest
    @CsvSource({
            "0.5, 8, 0.9, 64",    // the paper's segmentation: with 8 frames, c - 1 = 7 cuts every gap; int(16·0.5) = 8 kept per frame
            "0.25, 2, -1, -1",    // one cut, at the lowest similarity: two longer segments, whose anchors merge across frames
            "0.25, 3, 0.99, -1"}) // cuts by threshold too
    void fastvidKeepsWhatItsDefinitionKeepsOnTheTracedFeatures(double ratio, int c, double tau, int expectKept) {
        CompressionMethod comp = CompressionMethods.parse("fastvid", Map.of("ratio", Double.toString(ratio), "dyseg_c", Integer.toString(c),
                "dyseg_tau", Double.toString(tau)));
        MethodsOnOracleTest.Run run = run(comp);
        Answer a = run.answer();
        Map<String, float[]> floats = run.floats();
        Map<String, int[]> ids = run.ids();

        var vc = qa.model().config().vision();
        int P = vc.numPatches(), dv = vc.hiddenSize();
        float[] hidden = floats.get("vision_hidden");
        float[] probe = new float[F * P], embedding = new float[F * dv];
        for (int f = 0; f < F; f++) {
            double[][] h = PoolingHeads.reference(head, Arrays.copyOfRange(hidden, f * P * dv, (f + 1) * P * dv), P, dv, vc.numHeads(), vc.layerNormEps());
            for (int i = 0; i < P; i++) probe[f * P + i] = (float) h[0][i];
            for (int i = 0; i < dv; i++) embedding[f * dv + i] = (float) h[1][i];
        }
        FastVid.FrameSignals signals = new FastVid.FrameSignals(qa.model().poolScores(probe, F), embedding, dv);
        float[] pooled = floats.get("pooled");
        VisualTokens in = VisualTokens.pooled(pooled, F, T, pooled.length / (F * T));
        FastVid.Result want = new FastVid(((dev.dycoke4j.compress.FastVidMethod) comp).params()).run(in, signals, null);

        assertArrayEquals(want.tokens().sourceIndex(), ids.get("kept_indices"), "kept tokens");
        assertEquals(want.tokens().count(), a.stats().visualKept());
        assertEquals(F * T, a.stats().visualTokens());
        assertEquals("fastvid", a.stats().method());
        if (expectKept > 0) assertEquals(expectKept, a.stats().visualKept());
        if (c == 2) {
            assertEquals(2, want.segments().length, "one cut");
            assertTrue(Arrays.stream(want.kind()).anyMatch(k -> k == FastVid.SEGMENT_ANCHOR), "anchors merged over a segment");
        }
    }

    /**
     * FastVID's kept tokens enter the LLM at their original positions, as the official code gives them (its kept rows'
     * indices into the prompt that holds the whole video): the text before the video where it is, the kept token of
     * pooled index i at start + i, the newline and the text after the video where they are after all 128 tokens; then
     * generation after the last. Computed here from the prompt with the whole video, whose ids at those positions must
     * be the pruned prompt's; the traced prompt logits are the decoder's at those positions (and not at consecutive
     * ones). DP at P = 0 keeps them.
     */
    @Test
    void keptTokensKeepTheirOriginalPositions() {
        CompressionMethod comp = CompressionMethods.parse("fastvid", Map.of("ratio", "0.25", "dyseg_c", "3"));
        String q = Q;
        MethodsOnOracleTest.Run run = run(comp);
        Answer a = run.answer();
        Map<String, float[]> floats = run.floats();
        Map<String, int[]> ids = run.ids();
        int[] prompt = ids.get("input_ids"), src = ids.get("kept_indices"), full = qa.answerStage().promptIds(q, F * T + 1);
        int vid = qa.model().config().videoTokenId(), start = 0, kept = src.length;
        while (prompt[start] != vid) start++;
        assertTrue(kept < F * T, "FastVID pruned some tokens");
        int[] want = new int[prompt.length];
        for (int r = 0; r < start; r++) want[r] = r;
        for (int i = 0; i < kept; i++) want[start + i] = start + src[i];
        assertEquals(prompt.length - start - kept, full.length - start - F * T, "the same newline and text after the video");
        for (int j = 0; start + kept + j < prompt.length; j++) want[start + kept + j] = start + F * T + j;
        for (int r = 0; r < prompt.length; r++) assertEquals(full[want[r]], prompt[r], "row " + r + " sits where the whole video's prompt has its id");

        var dec = qa.model().decoder();
        int vocab = qa.model().config().text().vocabSize();
        float[] x = floats.get("inputs_embeds");
        float[] traced = Arrays.copyOf(floats.get("logits"), prompt.length * vocab);
        dev.dycoke4j.llm.KvCache cache = qa.model().newCache(prompt.length + 4);
        float[] atOriginal = dec.forward(x.clone(), dev.dycoke4j.llm.Positions.flat(want), cache, prompt.length, null, null);
        assertTrue(dev.dycoke4j.testing.Oracle.maxAbsDiff(atOriginal, traced) < 1e-5, "the prompt ran at the original positions");
        assertEquals(full.length, cache.nextPosition(), "generation continues after the whole video's prompt");
        float[] consecutive = dec.forward(x.clone(), prompt.length, qa.model().newCache(prompt.length), prompt.length);
        assertTrue(dev.dycoke4j.testing.Oracle.maxAbsDiff(consecutive, traced) > 1e-3, "consecutive positions give other logits");

        Answer withDp = qa.answerFromPixels(pixels, VisionOptions.of(F), q, null, GenerationOptions.greedy(4),
                CompressionMethods.parse("fastvid", Map.of("ratio", "0.25", "dyseg_c", "3", "dp", "on", "dp_l", "1", "dp_p", "0")), null, null);
        assertArrayEquals(a.tokenIds(), withDp.tokenIds(), "DP at P = 0 with FastVID's positions");
    }

    /** The methods that run on the checkpoint alone, without SigLIP's pooling head. */
    static java.util.List<String> alone() {
        return CompressionMethods.names().stream().filter(m -> !CompressionMethods.spec(m).defaults().needsFrameSignals()).toList();
    }

    @Test
    void followUpsReuseTheFramesSignalsAndEqualFreshRuns() {
        java.util.List<dev.dycoke4j.vision.RgbFrame> frames = FollowUpTest.clip(8, 1);
        CompressionMethod comp = CompressionMethods.parse("fastvid", Map.of("ratio", "0.5", "dyseg_c", "3"));
        qa.clearCaches();
        VideoSession s = qa.open(frames, 0, VisionOptions.of(frames.size()), comp);
        assertEquals(false, s.visionCached());
        for (String q : new String[]{"What happens?", "What colour is it?"}) {
            Answer a = s.ask(q, GenerationOptions.greedy(6), null);
            Answer fresh = qa.ask(n -> frames, VisionOptions.of(frames.size()), q, GenerationOptions.greedy(6), comp, null);
            assertArrayEquals(fresh.tokenIds(), a.tokenIds(), q);
            assertEquals(fresh.stats().visualKept(), a.stats().visualKept());
        }
        VideoSession again = qa.open(frames, 0, VisionOptions.of(frames.size()), comp);
        assertTrue(again.visionCached(), "the frame signals come from the vision-feature cache");
        assertTrue(qa.open(frames, 0, VisionOptions.of(frames.size()), CompressionMethods.none()).visionCached(),
                "features encoded with the frame signals serve a method that does not need them");
    }

    @Test
    void withoutThePoolingHeadFastvidSaysWhatIsMissing() {
        VideoQa bare = VideoQa.load(Oracle.model());
        try (bare) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> bare.answerFromPixels(pixels, VisionOptions.of(F), "Why?", null,
                    GenerationOptions.greedy(2), CompressionMethods.parse("fastvid", Map.of("ratio", "0.5")), null, null));
            assertEquals("the frame signals need SigLIP's attention-pooling head, which LLaVA-OneVision checkpoints do not contain, and none is loaded"
                    + " (VideoQa.poolingHead)", e.getMessage());
        }
    }

    @Test
    void theFeatureCacheKeepsTheFrameSignals() {
        EncodedVideo v = qa.visionStage().encode(pixels, VisionOptions.of(F).withFrameSignals(true), null);
        VisionFeatures f = v.features();
        VisionFeatures back = VisionFeatures.CODEC.read(ByteBuffer.wrap(VisionFeatures.CODEC.write(f)));
        assertArrayEquals(f.pooled(), back.pooled());
        assertArrayEquals(f.signals().probeAttention(), back.signals().probeAttention());
        assertArrayEquals(f.signals().embedding(), back.signals().embedding());
        assertEquals(f.signals().dim(), back.signals().dim());
        VisionFeatures plain = VisionFeatures.CODEC.read(ByteBuffer.wrap(VisionFeatures.CODEC.write(new VisionFeatures(F, T, f.dim(), f.pooled(), null))));
        assertEquals(null, plain.signals());
    }
}
