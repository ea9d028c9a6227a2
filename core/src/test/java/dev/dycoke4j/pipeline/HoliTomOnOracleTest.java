package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.compress.HoliTom;
import dev.dycoke4j.compress.HoliTomMethod;
import dev.dycoke4j.compress.InvalidOptionException;
import dev.dycoke4j.compress.VisualTokens;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.testing.RecordingTrace;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * HoliTom end to end on the tiny oracle checkpoint (golden pixels, the chat prompt, greedy decoding): the tokens
 * entering the LLM are the outer-LLM part's on the traced pooled features and saliency, and the merge at layer K keeps
 * {@code round((kept + 1)·(1 - r))} rows of the video and its newline for the layers above.
 */
class HoliTomOnOracleTest {
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

    static MethodsOnOracleTest.Run run(CompressionMethod comp) {
        RecordingTrace trace = new RecordingTrace();
        Answer a = qa.answerFromPixels(pixels, VisionOptions.of(F), "What happens in this video?", null, GenerationOptions.greedy(6), comp, null, trace);
        return new MethodsOnOracleTest.Run(a, trace.floats(), trace.ids());
    }

    static CompressionMethod holitom(String... kv) {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) o.put(kv[i], kv[i + 1]);
        return CompressionMethods.parse("holitom", o);
    }

    @ParameterizedTest
    @CsvSource({"0.1, 0.5, 2", "0.25, 0.5, 1", "0.5, 0.3, 2", "0.5, 0, 2", "1.0, 0.5, 2"})
    void theOuterPartsTokensEnterTheLlmAndTheMergeKeepsItsShare(double ratio, double r, int k) {
        HoliTomMethod m = (HoliTomMethod) holitom("ratio", Double.toString(ratio), "holitom_r", Double.toString(r), "holitom_k", Integer.toString(k));
        MethodsOnOracleTest.Run run = run(m);
        float[] pooled = run.floats().get("pooled"), saliency = run.floats().get("saliency");
        assertNotNull(saliency, "holitom keeps the vision tower's attention");
        VisualTokens all = VisualTokens.pooled(pooled, F, T, pooled.length / (F * T), saliency);
        HoliTom.Result expected = new HoliTom(ratio, m.tau(), m.beta(), m.d(), m.knn(), m.maxWindow()).run(all, saliency, HoliTom.TieBreak.torch(0));
        assertArrayEquals(expected.tokens().sourceIndex(), run.ids().get("kept_indices"));
        Stats s = run.answer().stats();
        assertEquals("holitom", s.method());
        assertEquals(F * T, s.visualTokens());
        int kept = expected.tokens().count();
        assertEquals(kept, s.visualKept());
        double attended = r == 0 ? kept : Math.rint((kept + 1) * (1 - r)) - 1;
        assertEquals(attended, s.visualAttended(), 0, "the merge keeps its share of the video's rows and newline above layer K");
        assertEquals(6, run.answer().tokenIds().length);
    }

    @Test
    void theMergeKeepsTheOuterTokensAndShortensTheLayersAboveK() {
        Answer outer = run(holitom("ratio", "0.5", "holitom_r", "0", "holitom_k", "2")).answer();
        Answer merged = run(holitom("ratio", "0.5", "holitom_r", "0.5", "holitom_k", "2")).answer();
        assertEquals(outer.stats().visualKept(), merged.stats().visualKept());
        assertFalse(outer.stats().flopsLlm() == merged.stats().flopsLlm(), "layer 2 runs on fewer rows");
    }

    @Test
    void aLayerTheModelDoesNotHaveIsNamedByItsKey() {
        var e = assertThrows(InvalidOptionException.class, () -> run(holitom("holitom_k", "3")));
        assertEquals("holitom_k 3 is outside 1..2 for this 3-layer model", e.getMessage());
    }
}
