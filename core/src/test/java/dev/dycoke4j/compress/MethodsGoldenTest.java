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
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * VidCom2 and EVS against their official code: every case of {@code golden/methods.safetensors} (the official
 * functions run unchanged on the oracle's pooled features and a larger correlated input, at 10, 25 and 50 %), with the
 * case's hyperparameters from the file's metadata. Kept indices are identical and the outputs within 1e-5 of scale
 * (they are copies, so they match bit for bit).
 */
class MethodsGoldenTest {
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

    static List<String> cases(String method) throws Exception {
        try (Safetensors g = Oracle.golden("methods.safetensors")) {
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = new ObjectMapper().readTree(g.metadata().get("cases")).fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (name.startsWith(method + "_")) names.add(name);
            }
            return names;
        }
    }

    static List<String> vidcom2Cases() throws Exception {
        return cases("vidcom2");
    }

    static List<String> evsCases() throws Exception {
        return cases("evs");
    }

    static VisualTokens input(JsonNode c) {
        Tensor t = golden.get("input_" + c.get("input").asText());
        return VisualTokens.pooled(t.toFloatArray(), t.dim(0), t.dim(1), t.dim(2));
    }

    static void assertOutput(String name, VisualTokens in, int[] kept) {
        assertArrayEquals(golden.get(name + "_kept_idx").toIntArray(), kept, name + " kept indices");
        VisualTokens out = in.select(kept);
        float[] expected = golden.get(name + "_output").toFloatArray();
        assertEquals(expected.length, out.count() * out.dim(), name + " output size");
        Oracle.assertClose(name + " output", Arrays.copyOf(out.features(), expected.length), expected, 1e-5);
    }

    @ParameterizedTest
    @MethodSource("vidcom2Cases")
    void vidcom2KeepsWhatTheOfficialCodeKeeps(String name) {
        JsonNode c = cases.get(name);
        VisualTokens in = input(c);
        if (c.has("frame_token_len")) assertEquals(c.get("frame_token_len").asInt(), in.tokensPerFrame(), "the case's T is the grid's");
        VidCom2.Selection s = new VidCom2(c.get("base_scale").asDouble()).select(in);
        assertArrayEquals(golden.get(name + "_frame_k").toIntArray(), s.frameKeep(), name + " tokens per frame");
        assertOutput(name, in, s.kept());
        assertArrayEquals(s.kept(), new VidCom2(c.get("base_scale").asDouble()).compress(in).sourceIndex(), "compress keeps the selection");
    }

    @ParameterizedTest
    @MethodSource("evsCases")
    void evsKeepsWhatVllmKeeps(String name) {
        JsonNode c = cases.get(name);
        VisualTokens in = input(c);
        Evs evs = new Evs(c.get("q").asDouble());
        assertEquals(c.get("retained").asInt(), evs.retained(in.frames(), in.tokensPerFrame()), name + " count");
        int[] kept = evs.kept(in);
        assertOutput(name, in, kept);
        for (int t = 0; t < in.tokensPerFrame(); t++) assertEquals(t, kept[t], "frame 0 is kept whole");
    }

    @Test
    void everyVidCom2AndEvsCaseIsTested() throws Exception {
        assertEquals(6, vidcom2Cases().size());
        assertEquals(6, evsCases().size());
    }

    @Test
    void vidcom2KeepsMoreThanAskedWhereTheOfficialCodeDoes() {
        // the official per-frame rounding: 8 frames of 16 at r = 0.25 keep 33, not 32
        VidCom2.Selection s = new VidCom2(0.25).select(input(cases.get("vidcom2_clip_r0.25")));
        assertEquals(33, s.kept().length);
        assertArrayEquals(new int[]{4, 4, 4, 5, 4, 4, 4, 4}, s.frameKeep());
    }

    @Test
    void evsTruncatesItsCountAndKeepsTheFirstFrameAtLeast() {
        // vLLM's int(F·T·(1 - q)): 3136·0.09999999999999998 = 313.6 → 313; at q = 0.9 on 8x16 only frame 0 survives
        assertEquals(313, new Evs(0.9).retained(16, 196));
        assertEquals(16, new Evs(0.9).retained(8, 16));
        assertEquals(313, Evs.retaining(0.1).retained(16, 196), "a retained ratio of 0.1 is vLLM's q = 0.9");
    }
}
