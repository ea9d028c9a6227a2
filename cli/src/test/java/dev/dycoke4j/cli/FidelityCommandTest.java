package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.compress.UnreachableBudgetException;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.pipeline.Fidelity;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VisionOptions;
import dev.dycoke4j.video.VideoReader;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dycoke fidelity} on the oracle model and clip: its figures are the library's {@link Fidelity} figures. */
class FidelityCommandTest {
    static final Path MODEL = Oracle.root().resolve("tiny-llava-ov");
    static final Path CLIP = Oracle.root().resolve("golden/clip.mkv");
    static final String QUESTION = "What happens in this video?";
    static final List<String> ROW_KEYS = List.of("method", "ratio", "visual_tokens_pooled", "visual_tokens_kept", "visual_tokens_attended_mean",
            "agreement", "kl_mean", "kl_max");

    static String[] args(String... more) {
        String[] base = {"fidelity", "--model", MODEL.toString(), "--video", CLIP.toString(), "--frames", "8", "--dp-l", "2", "--fastv-k", "1", "--holitom-k", "2",
                "--flashvid-layer", "2"};
        String[] all = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    static JsonNode json(String... args) throws Exception {
        Cli r = Cli.run(args);
        assertEquals(0, r.code(), r.err());
        return new ObjectMapper().readTree(r.out());
    }

    static List<String> keys(JsonNode j) {
        List<String> keys = new ArrayList<>();
        j.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    static int[] ints(JsonNode array) {
        int[] v = new int[array.size()];
        for (int i = 0; i < v.length; i++) v[i] = array.get(i).asInt();
        return v;
    }

    /**
     * KL figures of the same computation in two runs: equal to the float32 precision of the logits they come from, whose
     * sums a vector reduction may order differently once the JIT has compiled it (core's FidelityTest saw a KL of none
     * against itself of 7.5e-14; two runs of DyCoke here differed by 8e-8 of the figure).
     */
    static void sameKl(double expected, double actual, String what) {
        assertEquals(expected, actual, 1e-5 * Math.abs(expected) + 1e-9, what);
    }

    @Test
    void everyRowIsWhatTheLibraryComputes() throws Exception {
        int steps = 6;
        double[] ratios = {0.25, 0.5};
        // the methods that run on the checkpoint alone (fastvid, with SigLIP's pooling head: CliFastVidTest)
        List<String> methods = CompressionMethods.all().stream().filter(m -> !m.defaults().needsFrameSignals()).map(m -> m.name()).toList();
        String names = String.join(",", methods);
        JsonNode root = json(args("--steps", String.valueOf(steps), "--ratios", "0.25,0.5", "--methods", names, "--json"));
        assertEquals(List.of("model", "weights", "kv_cache", "video", "frames", "steps", "reference_tokens", "results"), keys(root));
        assertEquals(MODEL.toString(), root.get("model").asText());
        assertEquals("as-stored", root.get("weights").asText());
        assertEquals("f32", root.get("kv_cache").asText());
        assertEquals(CLIP.toString(), root.get("video").asText());
        assertEquals(8, root.get("frames").asInt());
        assertEquals(steps, root.get("steps").asInt());
        JsonNode rows = root.get("results");
        assertEquals(1 + (methods.size() - 1) * ratios.length, rows.size(), "none once, every other method at every ratio");

        try (VideoQa qa = VideoQa.load(MODEL); Safetensors g = Safetensors.open(Oracle.root().resolve("golden/forward.safetensors"))) {
            Fidelity fid = Fidelity.of(qa, VideoReader.readUniform(CLIP, 8).frames(), VisionOptions.of(8), QUESTION, steps);
            assertArrayEquals(fid.reference(), ints(root.get("reference_tokens")));
            assertArrayEquals(Arrays.copyOf(g.get("chat_generated_ids").toIntArray(), steps), fid.reference(), "none's greedy tokens are the golden ones");
            int i = 0;
            for (String m : methods) {
                List<String> keys = CompressionMethods.spec(m).keys();
                for (double ratio : keys.contains("ratio") ? ratios : new double[]{ratios[0]}) {
                    JsonNode row = rows.get(i++);
                    String what = m + " at " + ratio + ": " + row;
                    assertEquals(m, row.get("method").asText(), what);
                    assertEquals(keys.contains("ratio") ? ratio : 1.0, row.get("ratio").asDouble(), what);
                    // the command's defaults, with args()' --dp-l 2, --fastv-k 1, --holitom-k 2 and --flashvid-layer 2
                    Map<String, String> options = new HashMap<>();
                    if (keys.contains("ratio")) options.put("ratio", Double.toString(ratio));
                    if (keys.contains("dp_l")) options.put("dp_l", "2");
                    if (keys.contains("fastv_k")) options.put("fastv_k", "1");
                    if (keys.contains("holitom_k")) options.put("holitom_k", "2");
                    if (keys.contains("flashvid_layer")) options.put("flashvid_layer", "2");
                    Fidelity.Result want;
                    try {
                        want = fid.measure(CompressionMethods.parse(m, options));
                    } catch (UnreachableBudgetException e) {
                        assertEquals(List.of("method", "ratio", "unreachable"), keys(row), what);
                        assertEquals(e.message(CompressOptions::flag), row.get("unreachable").asText(), what);
                        continue;
                    }
                    assertEquals(ROW_KEYS, keys(row), what);
                    assertEquals(want.visualPooled(), row.get("visual_tokens_pooled").asInt(), what);
                    assertEquals(want.visualKept(), row.get("visual_tokens_kept").asInt(), what);
                    assertEquals(want.visualAttended(), row.get("visual_tokens_attended_mean").asDouble(), what);
                    assertEquals(want.agreement(), row.get("agreement").asDouble(), what);
                    sameKl(want.meanKl(), row.get("kl_mean").asDouble(), what);
                    sameKl(want.maxKl(), row.get("kl_max").asDouble(), what);
                }
            }
        }
        JsonNode none = rows.get(0), dycoke25 = rows.get(1), uniform50 = null;
        for (JsonNode row : rows) if (row.get("method").asText().equals("uniform") && row.get("ratio").asDouble() == 0.5) uniform50 = row;
        assertTrue(dycoke25.get("unreachable").asText().contains("at least 48 tokens (37.5%)"), dycoke25.toString());
        assertEquals(128, none.get("visual_tokens_kept").asInt());
        assertEquals("uniform", uniform50.get("method").asText());
        assertEquals(64, uniform50.get("visual_tokens_kept").asInt(), "uniform at 50% of 128");
    }

    @Test
    void noneAgainstItselfAgreesEverywhere() throws Exception {
        JsonNode root = json(args("--steps", "6", "--methods", "none", "--json"));
        JsonNode rows = root.get("results");
        assertEquals(1, rows.size());
        JsonNode none = rows.get(0);
        assertEquals(ROW_KEYS, keys(none));
        assertEquals(1.0, none.get("ratio").asDouble());
        assertEquals(128, none.get("visual_tokens_pooled").asInt());
        assertEquals(128, none.get("visual_tokens_kept").asInt());
        assertEquals(128.0, none.get("visual_tokens_attended_mean").asDouble());
        assertEquals(1.0, none.get("agreement").asDouble());
        // the same computation twice: 0 up to a vector reduction's summation order (see sameKl)
        sameKl(0, none.get("kl_mean").asDouble(), none.toString());
        sameKl(0, none.get("kl_max").asDouble(), none.toString());
        assertTrue(none.get("kl_mean").asDouble() >= 0 && none.get("kl_max").asDouble() >= none.get("kl_mean").asDouble(), none.toString());
    }

    @Test
    void markdownTableShowsTheJsonFigures() throws Exception {
        JsonNode row = json(args("--steps", "3", "--ratios", "0.5", "--methods", "uniform", "--json")).get("results").get(0);
        Cli r = Cli.run(args("--steps", "3", "--ratios", "0.5", "--methods", "uniform"));
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(List.of("| method | retained | visual tokens | attended while decoding | greedy agreement | mean KL | max KL |",
                "|---|---:|---:|---:|---:|---:|---:|",
                String.format(Locale.ROOT, "| uniform | 50%% | 128 -> 64 | 64.0 | %.3f | %.4g | %.4g |", row.get("agreement").asDouble(),
                        row.get("kl_mean").asDouble(), row.get("kl_max").asDouble())), lines);
    }

    @Test
    void badOptions() {
        assertEquals(2, Cli.run(args("--ratios", "0")).code());
        assertEquals(2, Cli.run(args("--steps", "0")).code());
        Cli r = Cli.run(args("--methods", "zap"));
        assertEquals(2, r.code());
        assertTrue(r.problem().startsWith("dycoke: --methods takes"), r.problem());
        Cli v = Cli.run("fidelity", "--video", "/no/such/clip.mp4");
        assertEquals(2, v.code());
        assertEquals("dycoke: /no/such/clip.mp4: video not found", v.problem());
    }
}
