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

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FastVID against its official block before decoder layer 0: every case of {@code golden/methods.safetensors}, on the
 * file's pooled features with its stand-in probe attention and frame embeddings, replaying the recorded density
 * tie-break noise. Source indices, kinds, segments and anchors per frame are identical; outputs within 1e-5 of scale.
 */
class FastVidGoldenTest {
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

    static List<String> fastvidCases() throws Exception {
        return MethodsGoldenTest.cases("fastvid").stream().filter(n -> !hasError(n)).toList();
    }

    private static boolean hasError(String name) {
        try (Safetensors g = Oracle.golden("methods.safetensors")) {
            return new ObjectMapper().readTree(g.metadata().get("cases")).get(name).has("error");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static FastVid.Params params(JsonNode c) {
        return new FastVid.Params(c.get("fastvid_retention_ratio").asDouble(), c.get("fastvid_DySeg_c").asInt(), c.get("fastvid_DySeg_tau").asDouble(),
                c.get("fastvid_STPrune_d").asDouble(), c.get("fastvid_DTM_p").asInt(), c.get("fastvid_DTM_beta").asDouble());
    }

    static FastVid.FrameSignals signals(String input) {
        Tensor g = golden.get("global_" + input);
        return new FastVid.FrameSignals(golden.get("probe_attn_" + input).toFloatArray(), g.toFloatArray(), g.dim(1));
    }

    static VisualTokens input(JsonNode c) {
        Tensor t = golden.get("input_" + c.get("input").asText());
        return VisualTokens.pooled(t.toFloatArray(), t.dim(0), t.dim(1), t.dim(2));
    }

    @ParameterizedTest
    @MethodSource("fastvidCases")
    void fastvidKeepsAndMergesWhatTheOfficialCodeDoes(String name) {
        JsonNode c = cases.get(name);
        String input = c.get("input").asText();
        VisualTokens in = input(c);
        FastVid fv = new FastVid(params(c));
        FastVid.Counts k = fv.counts(in.tokensPerFrame());
        assertEquals(c.get("frame_salient_num").asInt(), k.salient(), name + " salient per frame");
        assertEquals(c.get("frame_context_num").asInt(), k.context(), name + " anchors per frame");
        FastVid.Result r = fv.run(in, signals(input), golden.get(name + "_dpc_noise").toFloatArray());
        assertArrayEquals(golden.get(name + "_segments").toIntArray(), r.segments(), name + " segments");
        assertArrayEquals(golden.get(name + "_frame_context_num").toIntArray(), r.frameContext(), name + " anchors per frame");
        assertArrayEquals(golden.get(name + "_src_idx").toIntArray(), r.tokens().sourceIndex(), name + " source indices");
        assertArrayEquals(golden.get(name + "_kind").toIntArray(), r.kind(), name + " kinds");
        float[] expected = golden.get(name + "_output").toFloatArray();
        float[] out = Arrays.copyOf(r.tokens().features(), r.tokens().count() * r.tokens().dim());
        Oracle.assertClose(name + " output", out, expected, 1e-5);
        for (int i = 0; i < r.kind().length; i++)
            if (r.kind()[i] == FastVid.SALIENT) {
                int s = r.tokens().sourceIndex()[i], D = in.dim();
                assertArrayEquals(Arrays.copyOfRange(in.features(), s * D, (s + 1) * D), Arrays.copyOfRange(out, i * D, (i + 1) * D), name + " salient row " + i + " is a copy");
            }
    }

    @Test
    void everyRunnableFastvidCaseIsTested() throws Exception {
        assertEquals(5, fastvidCases().size());
        assertTrue(cases.get("fastvid_clip_r0.1").has("error"), "clip r0.1 is the case the official code cannot run");
    }

    @Test
    void aRatioThatLeavesNoAnchorIsRefusedWhereTheOfficialCodeRaises() {
        // int(16·0.1) = 1 retained, 1 salient, 0 anchors: the official code's argmax over no anchors raises
        JsonNode c = cases.get("fastvid_clip_r0.1");
        InvalidOptionException e = assertThrows(InvalidOptionException.class,
                () -> new FastVid(params(c)).run(input(c), signals("clip"), null));
        assertEquals("ratio", e.key());
        assertEquals("ratio 0.1 keeps int(16·0.1) = 1 tokens per frame, too few for an anchor: fastvid needs at least 3 of 16 per frame (ratio ≥ 0.1875)", e.getMessage());
    }
}
