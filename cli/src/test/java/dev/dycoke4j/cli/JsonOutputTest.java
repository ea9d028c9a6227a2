package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --json}: standard output carries one JSON document and nothing else, for every command that has the flag;
 * the whole output is parsed, so a table, a progress line or a second document before or after it fails. Nothing
 * reaches {@link System#out} behind the command's back either (in {@code dycoke} that is standard output too).
 */
class JsonOutputTest {
    static final Path ORACLE = Oracle.root();
    static final String MODEL = ORACLE.resolve("tiny-llava-ov").toString();
    static final String CLIP = ORACLE.resolve("golden/clip.mkv").toString();
    static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** The keys of {@code stats}, in order (the {@code --json} contract of run). */
    static final List<String> STATS_KEYS = List.of("method", "frames", "visual_tokens_pooled", "visual_tokens_kept", "visual_tokens_attended_mean",
            "prompt_tokens", "generated_tokens", "seconds", "vision_cached", "prefix_cached_tokens", "decode_tokens_per_s", "kv_bytes",
            "kv_bytes_active", "kv_bytes_pruned", "flops_llm", "peak_rss_bytes");
    static final List<String> SECONDS_KEYS = List.of("decode_video", "preprocess", "vision", "project_pool", "compress", "prefill", "generate",
            "overlapped", "total", "ttft");

    @TempDir
    Path tmp;

    /** Runs the command with {@link System#out} captured, checks it exits 0 and prints nothing there, and parses its whole output. */
    static JsonNode json(String... args) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream old = System.out;
        Cli r;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            r = Cli.run(args);
        } finally {
            System.setOut(old);
        }
        assertEquals(0, r.code(), r.err());
        assertEquals("", bytes.toString(StandardCharsets.UTF_8), "printed on System.out");
        JsonNode j = STRICT.readTree(r.out());
        assertTrue(j != null && j.isObject(), "not one JSON object:\n" + r.out());
        return j;
    }

    static List<String> keys(JsonNode j) {
        List<String> keys = new ArrayList<>();
        j.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    static int[] ids(JsonNode array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = array.get(i).asInt();
        return ids;
    }

    static int[] golden(String name) {
        try (Safetensors g = Safetensors.open(ORACLE.resolve("golden/forward.safetensors"))) {
            return g.get(name).toIntArray();
        }
    }

    static void isAnswer(JsonNode a) {
        assertEquals(List.of("answer", "token_ids", "stats"), keys(a));
        assertEquals(STATS_KEYS, keys(a.get("stats")));
        assertEquals(SECONDS_KEYS, keys(a.get("stats").get("seconds")));
    }

    @Test
    void runWithOnePrompt() throws Exception {
        JsonNode j = json("run", "--model", MODEL, "--video", CLIP, "--prompt", "What happens in this video?", "--frames", "8",
                "--max-new-tokens", "12", "--json");
        isAnswer(j);
        assertArrayEquals(golden("chat_generated_ids"), ids(j.get("token_ids")));
        assertEquals(12, j.get("stats").get("generated_tokens").asInt());
    }

    @Test
    void runWithTwoPrompts() throws Exception {
        JsonNode j = json("run", "--model", MODEL, "--video", CLIP, "--prompt", "What happens in this video?", "--prompt", "And then?",
                "--frames", "8", "--max-new-tokens", "12", "--json");
        assertEquals(List.of("answers"), keys(j));
        JsonNode answers = j.get("answers");
        assertEquals(2, answers.size());
        for (JsonNode a : answers) isAnswer(a);
        assertArrayEquals(golden("chat_generated_ids"), ids(answers.get(0).get("token_ids")));
        assertTrue(answers.get(1).get("stats").get("vision_cached").asBoolean(), "the second question reuses the video");
        assertTrue(answers.get(1).get("stats").get("prefix_cached_tokens").asInt() > 129, answers.get(1).toString());
    }

    @Test
    void benchOnTheOracleModel() throws Exception {
        JsonNode j = json("bench", "--model", MODEL, "--video", CLIP, "--out", tmp.resolve("out").toString(), "--frames", "2,4", "--repeat", "1",
                "--max-new-tokens", "2", "--methods", "none,uniform", "--json");
        assertEquals(List.of("machine", "model", "video", "threads", "max_new_tokens", "repeat", "copy_bandwidth_bytes_per_s", "decode_weight_bytes",
                "decode_bound_tokens_per_s", "huge_pages", "runs"), keys(j));
        assertEquals(4, j.get("runs").size(), "2 methods x 2 frame counts");
        assertEquals(STRICT.readTree(tmp.resolve("out/bench.json").toFile()), j, "the same document as bench.json");
    }

    @Test
    void fidelity() throws Exception {
        JsonNode j = json("fidelity", "--model", MODEL, "--video", CLIP, "--frames", "8", "--steps", "3", "--methods", "none,uniform",
                "--ratios", "0.5", "--json");
        assertEquals(List.of("model", "weights", "kv_cache", "video", "frames", "steps", "reference_tokens", "results"), keys(j));
        assertEquals(2, j.get("results").size());
    }
}
