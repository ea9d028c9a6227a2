package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dycoke eval replay}: one line per record, as the original gives it; bad input gets one line and a non-zero exit. */
class EvalReplayCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path ACTIVITYNET = Oracle.shared().resolve("eval-oracle/activitynetqa.jsonl");

    @TempDir
    Path tmp;

    static JsonNode typed(JsonNode n) throws IOException {
        return JSON.readTree(JSON.writeValueAsString(n));
    }

    @Test
    void replaysAJudgedFileLineByLine() throws IOException {
        Cli r = Cli.run("eval", "replay", "--cases", ACTIVITYNET.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, JsonNode> expected = new HashMap<>();
        int records = 0;
        for (String line : Files.readAllLines(ACTIVITYNET)) {
            JsonNode rec = JSON.readTree(line);
            if (rec.get("kind").asText().equals("meta")) continue;
            records++;
            expected.put(rec.get("id").asText(), rec);
        }
        List<String> out = r.out().lines().toList();
        assertEquals(records, out.size(), "one line per record but meta");
        for (String line : out) {
            JsonNode got = JSON.readTree(line);
            JsonNode rec = expected.get(got.get("id").asText());
            if (rec.has("expected_error")) {
                assertEquals(rec.get("expected_error").asText(), got.path("error").asText(), line);
                continue;
            }
            JsonNode want = rec.get("kind").asText().equals("judge_request") ? rec.get("request") : rec.get("expected");
            assertEquals(typed(want), typed(got.get("got")), rec.get("id").asText());
        }
    }

    @Test
    void anErrorIsThePythonExceptionType() throws IOException {
        Path f = tmp.resolve("cases.jsonl");
        Files.writeString(f, "{\"id\": \"e1\", \"kind\": \"aggregate\", \"task\": \"nextqa_mc_test\", \"metric\": \"exact_match\", \"items\": []}\n"
                + "{\"id\": \"p1\", \"kind\": \"prompt\", \"task\": \"video_dc499\", \"doc\": {\"question\": \"Describe it.\"}, \"lmms_eval_specific_kwargs\": {\"post_prompt\": \"!\"}}\n");
        Cli r = Cli.run("eval", "replay", "--cases", f.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("{\"id\":\"e1\",\"error\":\"ZeroDivisionError\"}", "{\"id\":\"p1\",\"got\":\"Describe it.!\"}"), r.out().lines().toList());
    }

    @Test
    void missingFile() {
        Path f = tmp.resolve("none.jsonl");
        Cli r = Cli.run("eval", "replay", "--cases", f.toString());
        assertEquals(2, r.code());
        assertEquals("dycoke: " + f + ": cases file not found", r.problem());
        assertEquals("", r.out());
    }

    @Test
    void malformedLine() throws IOException {
        Path f = tmp.resolve("bad.jsonl");
        Files.writeString(f, "{\"id\": \"p1\", \"kind\": \"prompt\", \"task\": \"video_dc499\", \"doc\": {\"question\": \"q\"}, \"lmms_eval_specific_kwargs\": null}\n{\"id\": \n");
        Cli r = Cli.run("eval", "replay", "--cases", f.toString());
        assertEquals(1, r.code());
        assertTrue(r.problem().startsWith("dycoke: " + f + ":2: not valid JSON"), r.problem());
        assertEquals("", r.out(), "nothing is printed for a file with a bad line");
    }

    @Test
    void unknownKind() throws IOException {
        Path f = tmp.resolve("kind.jsonl");
        Files.writeString(f, "{\"id\": \"x\", \"kind\": \"score\", \"task\": \"videomme\"}\n");
        Cli r = Cli.run("eval", "replay", "--cases", f.toString());
        assertEquals(1, r.code());
        assertTrue(r.problem().startsWith("dycoke: " + f + ":1: unknown kind 'score'"), r.problem());
    }

    @Test
    void unknownTask() throws IOException {
        Path f = tmp.resolve("task.jsonl");
        Files.writeString(f, "{\"id\": \"x\", \"kind\": \"prompt\", \"task\": \"videomme_long\", \"doc\": {}}\n");
        Cli r = Cli.run("eval", "replay", "--cases", f.toString());
        assertEquals(1, r.code());
        assertEquals("dycoke: " + f + ":1: unknown task 'videomme_long'", r.problem());
    }

    @Test
    void aRecordWithoutItsInput() throws IOException {
        Path f = tmp.resolve("nodoc.jsonl");
        Files.writeString(f, "{\"id\": \"x\", \"kind\": \"parse\", \"task\": \"videomme\", \"response\": \"A\"}\n");
        Cli r = Cli.run("eval", "replay", "--cases", f.toString());
        assertEquals(1, r.code());
        assertEquals("dycoke: record x: no 'doc' object", r.problem());
    }

    @Test
    void evalNeedsASubcommand() {
        Cli r = Cli.run("eval");
        assertEquals(2, r.code());
        assertEquals("dycoke: a subcommand is needed: run, judge, replay or samples", r.problem());
    }
}
