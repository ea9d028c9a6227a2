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
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FlashVID's vision side against its official {@code flashvid_compression}: every flashvid case of
 * {@code golden/methods.safetensors} with the case's configuration from the file's metadata. The source indices and
 * kinds are identical (repeated indices included), the segments too, the outputs within 1e-5 of scale (ADTS copies
 * bit for bit), and the tie-break noise this engine draws equals the draws the official code recorded.
 */
class FlashVidGoldenTest {
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

    static List<String> flashvidCases() throws Exception {
        return MethodsGoldenTest.cases("flashvid");
    }

    static VisualTokens input(JsonNode c) {
        String name = c.get("input").asText();
        Tensor t = golden.get("input_" + name);
        return VisualTokens.pooled(t.toFloatArray(), t.dim(0), t.dim(1), t.dim(2), golden.get("attn_" + name).toFloatArray());
    }

    static FlashVid.Config config(JsonNode c) {
        assertEquals("attn_div_v2", c.get("token_selection_method").asText(), "the selection this port implements");
        return new FlashVid.Config(c.get("retention_ratio").asDouble(), c.get("expansion").asDouble(), c.get("alpha").asDouble(),
                c.get("temporal_threshold").asDouble(), c.get("do_segment").asBoolean(), c.get("segment_threshold").asDouble(),
                c.get("min_segment_num").asInt(), c.get("complementary_segment").asBoolean());
    }

    @ParameterizedTest
    @MethodSource("flashvidCases")
    void visionSideDoesWhatTheOfficialCodeDoes(String name) {
        JsonNode c = cases.get(name);
        VisualTokens in = input(c);
        FlashVid.Config config = config(c);
        assertEquals(c.get("num_attn_div_tokens").asInt(), config.chosen(in.tokensPerFrame()), "ADTS tokens per frame");
        assertEquals(c.get("num_sttm_tokens").asInt(), config.budget(in.tokensPerFrame()) - config.chosen(in.tokensPerFrame()), "merged tokens per frame");

        FlashVid.Result r = new FlashVid(config).run(in, new TorchUniform(0)::next);
        List<float[]> draws = r.noise();
        assertArrayEquals(golden.get(name + "_segments").toIntArray(), r.segments(), name + " segments");

        int[] shapes = golden.get(name + "_dpc_noise_shapes").toIntArray();
        assertEquals(shapes.length / 2, draws.size(), name + " clusterings");
        for (int i = 0; i < draws.size(); i++) assertEquals(shapes[2 * i + 1], draws.get(i).length, name + " clustering " + i + " size");
        float[] noise = golden.get(name + "_dpc_noise").toFloatArray(), drawn = new float[noise.length];
        int at = 0;
        for (float[] d : draws) {
            System.arraycopy(d, 0, drawn, at, d.length);
            at += d.length;
        }
        assertArrayEquals(noise, drawn, name + " noise: torch.rand after manual_seed(0)");

        // rows with equal src_idx come out of the official non-stable argsort in either order: compare by (src, kind)
        int[] src = golden.get(name + "_src_idx").toIntArray(), kind = golden.get(name + "_kind").toIntArray();
        float[] output = golden.get(name + "_output").toFloatArray();
        int D = in.dim(), N = src.length;
        Integer[] order = new Integer[N];
        for (int i = 0; i < N; i++) order[i] = i;
        Arrays.sort(order, Comparator.<Integer>comparingInt(i -> src[i]).thenComparingInt(i -> kind[i]));
        int[] expectedSrc = new int[N], expectedKind = new int[N];
        float[] expected = new float[N * D];
        for (int i = 0; i < N; i++) {
            expectedSrc[i] = src[order[i]];
            expectedKind[i] = kind[order[i]];
            System.arraycopy(output, order[i] * D, expected, i * D, D);
        }
        VisualTokens out = r.tokens();
        assertArrayEquals(expectedSrc, out.sourceIndex(), name + " src_idx");
        assertArrayEquals(expectedKind, r.kind(), name + " kind");
        Oracle.assertClose(name + " output", Arrays.copyOf(out.features(), out.count() * D), expected, 1e-5);
        for (int i = 0; i < N; i++)
            if (r.kind()[i] == FlashVid.ADTS)
                assertArrayEquals(Arrays.copyOfRange(in.features(), out.sourceIndex()[i] * D, out.sourceIndex()[i] * D + D),
                        Arrays.copyOfRange(out.features(), i * D, i * D + D), name + " ADTS row " + i + " is a copy");
        assertArrayEquals(out.sourceIndex(), new FlashVid(config).compress(in).sourceIndex(), "compress draws the same noise");
    }

    @Test
    void everyFlashVidCaseIsTested() throws Exception {
        assertEquals(8, flashvidCases().size());
    }

    @Test
    void aSingleFrameSegmentRepeatsThePositionsAdtsChose() {
        // the spatial clustering of a one-frame segment runs on all its tokens: corr16 r0.25 has 992 rows, 944 positions
        FlashVid.Result r = new FlashVid(FlashVid.Config.paper(0.25)).run(input(cases.get("flashvid_corr16_r0.25")), new TorchUniform(0)::next);
        assertEquals(992, r.tokens().count());
        assertEquals(944, Arrays.stream(r.tokens().sourceIndex()).distinct().count());
        assertTrue(r.tokens().count() > 0.25 * 16 * 196 * 1.24, "the vision side keeps about 1.25x the ratio");
    }
}
