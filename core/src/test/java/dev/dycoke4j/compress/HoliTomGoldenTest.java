package dev.dycoke4j.compress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.tensor.Tensor;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HoliTom's outer-LLM part against its official code: every holitom case of {@code golden/methods.safetensors} (the
 * official {@code prepare_inputs_labels_for_multimodal} run unchanged on the oracle's pooled features and a larger
 * correlated input, with the stand-in attention), with the case's hyperparameters from the file's metadata. Windows,
 * source indices and kinds are identical; outputs within 1e-5 of scale; the rescaled ratio and the saved tokens are the
 * ones the code printed; and the tie-break noise this port draws is the noise the code drew.
 */
class HoliTomGoldenTest {
    static Safetensors golden;
    static JsonNode cases;

    @BeforeAll
    static void open() throws Exception {
        golden = Oracle.golden("methods.safetensors");
        cases = new ObjectMapper().readTree(golden.metadata().get("cases"));
    }

    @AfterAll
    static void close() {
        golden.close();
    }

    /** The holitom cases the official code ran (a case it could not run has an error and no tensors). */
    static List<String> holitomCases() throws Exception {
        return MethodsGoldenTest.cases("holitom").stream().filter(n -> !caseOf(n).has("error")).toList();
    }

    static JsonNode caseOf(String name) {
        try (Safetensors g = Oracle.golden("methods.safetensors")) {
            return new ObjectMapper().readTree(g.metadata().get("cases")).get(name);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static HoliTom holitom(JsonNode c) {
        return new HoliTom(c.get("RETAIN_RATIO").asDouble(), c.get("T").asDouble(), c.get("BETA").asDouble(), c.get("D").asDouble(),
                c.get("K").asInt(), c.get("MAX_WINDOW_SIZE").asInt());
    }

    /** The recorded draws, call by call, checking each call's shape. */
    static HoliTom.TieBreak recorded(String name) {
        float[] all = golden.get(name + "_dpc_noise").toFloatArray();
        long[] shapes = golden.get(name + "_dpc_noise_shapes").toLongArray();
        int[] at = {0, 0};
        return (rows, cols) -> {
            int call = at[0]++;
            assertTrue(2 * call + 1 < shapes.length, name + ": more noise draws than the official code made");
            assertEquals(shapes[2 * call] + "x" + shapes[2 * call + 1], rows + "x" + cols, name + " draw " + call);
            float[] r = Arrays.copyOfRange(all, at[1], at[1] + rows * cols);
            at[1] += rows * cols;
            return r;
        };
    }

    static HoliTom.Result run(String name, HoliTom.TieBreak noise) {
        JsonNode c = cases.get(name);
        Tensor t = golden.get("input_" + c.get("input").asText());
        VisualTokens in = VisualTokens.pooled(t.toFloatArray(), t.dim(0), t.dim(1), t.dim(2));
        return holitom(c).run(in, golden.get("attn_" + c.get("input").asText()).toFloatArray(), noise);
    }

    @ParameterizedTest
    @MethodSource("holitomCases")
    void holitomMergesWhatTheOfficialCodeMerges(String name) {
        JsonNode c = cases.get(name);
        HoliTom.Result r = run(name, recorded(name));
        long[] segments = golden.get(name + "_segments").toLongArray();
        assertEquals(segments.length / 2, r.windows().segments().size(), name + " windows");
        for (int i = 0; i < segments.length / 2; i++)
            assertArrayEquals(new int[]{(int) segments[2 * i], (int) segments[2 * i + 1]}, r.windows().segments().get(i), name + " window " + i);
        assertEquals(c.get("total_reduced").asDouble(), r.windows().reduced(), name + " tokens saved by the windows");
        assertEquals(c.get("retain_ratio_after_static").asDouble(), r.ratioAfterStatic(), name + " ratio after static pruning");
        assertArrayEquals(golden.get(name + "_src_idx").toIntArray(), r.tokens().sourceIndex(), name + " source indices");
        assertArrayEquals(golden.get(name + "_kind").toIntArray(), r.kind(), name + " kinds");
        float[] expected = golden.get(name + "_output").toFloatArray();
        assertEquals(expected.length, r.tokens().count() * r.tokens().dim(), name + " output size");
        Oracle.assertClose(name + " output", Arrays.copyOf(r.tokens().features(), expected.length), expected, 1e-5);
        float[] input = golden.get("input_" + c.get("input").asText()).toFloatArray();
        int D = r.tokens().dim();
        for (int i = 0; i < r.kind().length; i++)
            if (r.kind()[i] == HoliTom.DYNAMIC) {
                int src = r.tokens().sourceIndex()[i];
                assertArrayEquals(Arrays.copyOfRange(input, src * D, src * D + D), Arrays.copyOfRange(r.tokens().features(), i * D, i * D + D), "a dynamic token is a copy");
            }
    }

    /** torch.rand after manual_seed(0), as the engine draws it, is the noise the official code drew. */
    @ParameterizedTest
    @MethodSource("holitomCases")
    void theEnginesNoiseIsTheRecordedNoise(String name) {
        List<float[]> drawn = new ArrayList<>();
        HoliTom.TieBreak torch = HoliTom.TieBreak.torch(0);
        HoliTom.Result mine = run(name, (rows, cols) -> {
            float[] u = torch.draw(rows, cols);
            drawn.add(u);
            return u;
        });
        float[] all = new float[drawn.stream().mapToInt(u -> u.length).sum()];
        int k = 0;
        for (float[] u : drawn) for (float v : u) all[k++] = v;
        assertArrayEquals(golden.get(name + "_dpc_noise").toFloatArray(), all, name);
        assertArrayEquals(golden.get(name + "_src_idx").toIntArray(), mine.tokens().sourceIndex(), name + " source indices");
    }

    @Test
    void everyHoliTomCaseTheOfficialCodeRanIsTested() throws Exception {
        assertEquals(7, holitomCases().size());
        assertEquals(8, MethodsGoldenTest.cases("holitom").size(), "corr16 d0.5 made the official code fail");
    }

    @Test
    void staticPruningAloneCanKeepFewerThanAsked() {
        // the clip is almost still: one window of 8 frames saves 112 of 128 tokens, so r = 0.25 and 0.5 both keep its 16
        for (String r : List.of("0.25", "0.5")) {
            HoliTom.Result res = run("holitom_clip_r" + r, HoliTom.TieBreak.torch(0));
            assertEquals(1.0, res.ratioAfterStatic());
            assertEquals(16, res.tokens().count());
        }
    }

    @Test
    void compressUsesTheSaliencyAndTorchsSeededNoise() {
        JsonNode c = cases.get("holitom_corr16_r0.25");
        Tensor t = golden.get("input_corr16");
        float[] attn = golden.get("attn_corr16").toFloatArray();
        VisualTokens in = VisualTokens.pooled(t.toFloatArray(), t.dim(0), t.dim(1), t.dim(2), attn);
        VisualTokens out = holitom(c).compress(in);
        assertArrayEquals(golden.get("holitom_corr16_r0.25_src_idx").toIntArray(), out.sourceIndex());
        assertThrows(IllegalArgumentException.class, () -> holitom(c).compress(VisualTokens.pooled(t.toFloatArray(), t.dim(0), t.dim(1), t.dim(2))));
    }

    @Test
    void withDynamicTokensAShareIsMergedWhereTheOfficialCodeFails() {
        // corr16 at d = 0.5: the official code raises; here half of each frame's dynamic budget is merged
        JsonNode c = cases.get("holitom_corr16_r0.25");
        Tensor t = golden.get("input_corr16");
        VisualTokens in = VisualTokens.pooled(t.toFloatArray(), t.dim(0), t.dim(1), t.dim(2));
        HoliTom h = new HoliTom(0.25, c.get("T").asDouble(), 0.6, 0.5, 7, 1024);
        HoliTom.Result r = h.run(in, golden.get("attn_corr16").toFloatArray(), HoliTom.TieBreak.torch(0));
        HoliTom.Result d0 = run("holitom_corr16_r0.25", HoliTom.TieBreak.torch(0));
        assertEquals(d0.tokens().count(), r.tokens().count(), "the same budget, split differently");
        assertTrue(Arrays.stream(r.kind()).anyMatch(k -> k == HoliTom.CONTEXTUAL));
        assertFalse(Arrays.stream(d0.kind()).anyMatch(k -> k == HoliTom.CONTEXTUAL));
    }
}
