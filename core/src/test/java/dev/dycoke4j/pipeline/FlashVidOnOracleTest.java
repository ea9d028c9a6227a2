package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.compress.FlashVid;
import dev.dycoke4j.compress.InvalidOptionException;
import dev.dycoke4j.compress.PrefillPruning;
import dev.dycoke4j.compress.RequestShape;
import dev.dycoke4j.compress.TorchUniform;
import dev.dycoke4j.compress.VisualTokens;
import dev.dycoke4j.io.Checkpoint;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.llm.PrefillHook;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.testing.RecordingTrace;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * FlashVID end to end on the tiny oracle checkpoint (golden pixels, the chat prompt, greedy decoding). The vision side
 * keeps what {@link FlashVid} keeps on the traced pooled features and saliency (that class is checked against the
 * official code by the golden cases); the pruning inside the LLM keeps the rows a plain re-computation picks: layers
 * 0..P-2 of Qwen2 in double precision from the checkpoint's tensors on the traced prompt embeddings, the last row's
 * attention at layer P-1 averaged over heads, and its top {@code ceil(0.3·n)} of the n visual rows.
 */
class FlashVidOnOracleTest {
    static final int F = 8, T = 16;
    static VideoQa qa;
    static float[] pixels;

    @BeforeAll
    static void load() {
        qa = VideoQa.load(Oracle.model());
        try (Safetensors g = Oracle.golden("forward.safetensors")) {
            pixels = g.get("pixel_values_videos").toFloatArray();
        }
    }

    @AfterAll
    static void close() {
        qa.close();
    }

    @ParameterizedTest
    @CsvSource({"0.25, 1", "0.25, 2", "0.1, 2", "0.5, 1"})
    void visionSideThenPruningAtItsLayer(double ratio, int layer) {
        CompressionMethod comp = CompressionMethods.parse("flashvid", Map.of("ratio", Double.toString(ratio), "flashvid_layer", Integer.toString(layer)));
        RecordingTrace trace = new RecordingTrace();
        Answer a = qa.answerFromPixels(pixels, VisionOptions.of(F), "What happens in this video?", null, GenerationOptions.greedy(6), comp, null, trace);
        Map<String, float[]> floats = trace.floats();
        Map<String, int[]> ids = trace.ids();

        // the vision side, on what the vision stage produced
        int d = qa.model().config().text().hiddenSize();
        VisualTokens pooled = VisualTokens.pooled(floats.get("pooled"), F, T, d, floats.get("saliency"));
        VisualTokens kept = new FlashVid(FlashVid.Config.paper(ratio)).run(pooled, new TorchUniform(0)::next).tokens();
        assertArrayEquals(kept.sourceIndex(), ids.get("kept_indices"));
        int n = kept.count(), keep = (int) Math.ceil(0.3 * n);
        assertEquals((int) Math.ceil(T * ratio * 1.25) * F, n, "the vision side keeps ceil(T·r·1.25) per frame here (every frame its own segment)");
        assertEquals(n, a.stats().visualKept());
        assertEquals(keep, a.stats().visualAttended(), 0, "the LLM attends to 30 % of them above its layer");

        // the prompt holds those rows, then the newline
        float[] x = floats.get("inputs_embeds");
        int[] prompt = ids.get("input_ids");
        int rows = prompt.length, start = -1, video = qa.model().config().videoTokenId();
        for (int t = rows - 1; t >= 0; t--) if (prompt[t] == video) start = t;
        assertEquals(n + 1, Arrays.stream(prompt).filter(t -> t == video).count());
        assertArrayEquals(Arrays.copyOf(kept.features(), n * d), Arrays.copyOfRange(x, start * d, (start + n) * d));

        // inside the LLM: the hook the method places, on the traced prompt, against the plain re-computation
        PrefillPruning hook = comp.prefill(new RequestShape(qa.model().config().text().numLayers(), start, n, F, T, 6));
        int[][] seen = new int[1][];
        PrefillHook recording = new PrefillHook() {
            @Override
            public int layer() {
                return hook.layer();
            }

            @Override
            public int[] keep(float[] probs, int r) {
                return seen[0] = hook.keep(probs, r);
            }
        };
        float[] logits = qa.model().decoder().forward(x.clone(), rows, qa.model().newCache(rows), 1, null, recording);
        assertArrayEquals(expectedRows(x, rows, start, n, keep, layer), seen[0]);

        // and the pipeline ran that hook: its prefill logits have the kept rows, the last equal to the direct run's
        int vocab = qa.model().config().text().vocabSize(), top = rows - n + keep;
        float[] traced = floats.get("logits");
        Oracle.assertClose("last prefill logits", Arrays.copyOfRange(traced, (top - 1) * vocab, top * vocab), logits, 1e-5);
        assertEquals(top + 5, traced.length / vocab, "prefill rows above the layer, then one per decode step");
    }

    /** Text rows, the top {@code keep} visual rows by the last row's attention at layer P-1 (double precision), the rest. */
    static int[] expectedRows(float[] x, int rows, int start, int visual, int keep, int layer) {
        double[] probs;
        try (Checkpoint ck = Checkpoint.open(Oracle.model())) {
            var c = qa.model().config().text();
            FastVScalarTest.Scalar s = new FastVScalarTest.Scalar(ck, c.hiddenSize(), c.numHeads(), c.numKvHeads(), c.intermediateSize(), c.ropeTheta(), c.rmsNormEps());
            double[][] h = new double[rows][c.hiddenSize()];
            for (int t = 0; t < rows; t++) for (int i = 0; i < c.hiddenSize(); i++) h[t][i] = x[t * c.hiddenSize() + i];
            for (int l = 0; l < layer - 1; l++) h = s.layer(l, h);
            probs = s.lastRowAttention(layer - 1, h);
        }
        List<Integer> expected = new ArrayList<>();
        for (int t = 0; t < start; t++) expected.add(t);
        boolean[] taken = new boolean[visual];
        for (int k = 0; k < keep; k++) {
            int best = -1;
            for (int v = 0; v < visual; v++) if (!taken[v] && (best < 0 || probs[start + v] > probs[start + best])) best = v;
            taken[best] = true;
        }
        for (int v = 0; v < visual; v++) if (taken[v]) expected.add(start + v);
        for (int t = start + visual; t < rows; t++) expected.add(t);
        return expected.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void thePapersLayerIsRefusedOnAShallowModel() {
        // the oracle model has 3 layers; FlashVID prunes from layer 20 by default
        var e = assertThrows(InvalidOptionException.class,
                () -> qa.answerFromPixels(pixels, VisionOptions.of(F), "hi", null, GenerationOptions.greedy(2), CompressionMethods.parse("flashvid", Map.of()), null, null));
        assertEquals("flashvid_layer 20 is outside 1..2 for this 3-layer model", e.getMessage());
    }
}
