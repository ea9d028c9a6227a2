package dev.dycoke4j.eval.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.eval.data.EvalSample;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.video.SyntheticClip;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Samples in each task's real field shapes on the oracle clip and a synthetic one, and helpers to read a run's output. */
final class RunFixture {
    static final int FRAMES = 4;

    private RunFixture() {
    }

    static Path clip() {
        return Oracle.root().resolve("golden").resolve("clip.mkv");
    }

    /** A small synthetic MP4 in {@code dir}. */
    static Path synthetic(Path dir) {
        Path p = dir.resolve("synthetic.mp4");
        if (!Files.exists(p)) SyntheticClip.write(p, 64, 48, 10, 8);
        return p;
    }

    static Map<String, Object> videomme(String id, String question, String answer) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("video_id", "101");
        d.put("duration", "short");
        d.put("domain", "Knowledge");
        d.put("sub_category", "Astronomy");
        d.put("url", "https://www.youtube.com/watch?v=Qx7Kp2mTn0a");
        d.put("videoID", "Qx7Kp2mTn0a");
        d.put("question_id", id);
        d.put("task_type", "Object Recognition");
        d.put("question", question);
        d.put("options", new ArrayList<Object>(List.of("A. Mars.", "B. Jupiter.", "C. Saturn.", "D. Venus.")));
        d.put("answer", answer);
        return d;
    }

    static Map<String, Object> mvbench() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("video", "166583.webm");
        d.put("question", "What is the action performed by the person in the video?");
        d.put("candidates", new ArrayList<Object>(List.of("Folding something", "Unfolding something", "Not sure")));
        d.put("answer", "Unfolding something");
        return d;
    }

    static Map<String, Object> activitynet(String qid) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("video_name", "kPm3Qx8TzA1");
        d.put("question", "what is the person in red doing");
        d.put("answer", "skateboarding");
        d.put("question_id", qid);
        d.put("type", "0");
        return d;
    }

    /** Two Video-MME questions and an ActivityNet-QA one on the oracle clip; a Video-MME and an MVBench one on a synthetic clip. */
    static List<EvalSample> samples(Path dir) {
        Path clip = clip(), syn = synthetic(dir);
        return List.of(
                new EvalSample("videomme", 0, videomme("101-1", "Which planet does the presenter point to first?", "B"), clip),
                new EvalSample("videomme", 1, videomme("101-2", "Which planet is shown last?", "D"), clip),
                new EvalSample("activitynetqa", 0, activitynet("v_kPm3Qx8TzA1_2"), clip),
                new EvalSample("videomme", 2, videomme("102-1", "Which planet has rings?", "C"), syn),
                new EvalSample("mvbench_action_sequence", 0, mvbench(), syn));
    }

    /** dycoke and fastv at two ratios each, their layers within the oracle's three (DP from layer 1, FastV at layer 1). */
    static List<Cell> cells() {
        return List.of(cell("dycoke", 0.5, "dp_l"), cell("dycoke", 0.75, "dp_l"), cell("fastv", 0.5, "fastv_k"), cell("fastv", 0.75, "fastv_k"));
    }

    static Cell cell(String method, double ratio, String layerKey) {
        return new Cell(method, ratio, CompressionMethods.parse(method, Map.of("ratio", Double.toString(ratio), layerKey, "1")));
    }

    static RunOptions options() {
        return RunOptions.of(FRAMES).withMaxNewTokens(3);
    }

    static VideoQa load() {
        return VideoQa.load(Oracle.model());
    }

    static List<ObjectNode> predictions(Path dir) {
        try (JsonLog log = JsonLog.open(dir.resolve(EvalRunner.PREDICTIONS))) {
            return new ArrayList<>(log.records());
        }
    }

    static JsonNode results(Path dir) throws IOException {
        return JsonLog.JSON.readTree(dir.resolve(Report.RESULTS).toFile());
    }

    /** The results without what depends on the clock (seconds) or on the run's history (the run section). */
    static JsonNode timeless(JsonNode results) {
        JsonNode copy = results.path("results").deepCopy();
        for (JsonNode c : copy) {
            ((ObjectNode) c).remove("seconds_per_sample");
        }
        return copy;
    }

    /** The predictions by key, without their stats' seconds and peak memory (clock and process dependent). */
    static Map<String, JsonNode> timeless(List<ObjectNode> predictions) {
        Map<String, JsonNode> m = new LinkedHashMap<>();
        for (ObjectNode p : predictions) {
            ObjectNode c = p.deepCopy();
            ObjectNode stats = (ObjectNode) c.get("stats");
            stats.remove("seconds");
            stats.remove("peak_rss_bytes");
            stats.remove("decode_tokens_per_s");
            stats.remove("vision_cached");
            stats.remove("prefix_cached_tokens");
            m.put(JsonLog.key(p), c);
        }
        return m;
    }

    /**
     * Asserts that {@code got} is {@code want}, field by field, but for the KL figures, which may differ by a relative
     * 1e-3: none's reference distribution comes from a full prefill or, for a question whose video prefix is cached,
     * from a restored prefix and a shorter prefill, which sum in another order, and a tiny KL (1e-5) carries that
     * rounding in its leading digits. Everything else (tokens, text, scores, counts) must be equal.
     */
    static void assertSame(JsonNode want, JsonNode got, String what) {
        if (want.isObject() && got.isObject()) {
            org.junit.jupiter.api.Assertions.assertEquals(fieldNames(want), fieldNames(got), what + ": fields");
            for (var it = want.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                JsonNode a = want.get(f), b = got.get(f);
                if (f.contains("kl") && a.isNumber() && b.isNumber()) {
                    double x = a.asDouble(), y = b.asDouble();
                    org.junit.jupiter.api.Assertions.assertTrue(Math.abs(x - y) <= 1e-3 * Math.max(Math.abs(x), Math.abs(y)) + 1e-15,
                            what + "." + f + ": " + y + " where " + x);
                } else {
                    assertSame(a, b, what + "." + f);
                }
            }
        } else if (want.isArray() && got.isArray() && want.size() == got.size()) {
            for (int i = 0; i < want.size(); i++) assertSame(want.get(i), got.get(i), what + "[" + i + "]");
        } else {
            org.junit.jupiter.api.Assertions.assertEquals(want, got, what);
        }
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    static BigInteger big(long v) {
        return BigInteger.valueOf(v);
    }
}
