package dev.dycoke4j.eval.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.eval.FakeJudgeEndpoint;
import dev.dycoke4j.eval.Judge;
import dev.dycoke4j.eval.PyJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The judge step over saved predictions, against a fake OpenAI-compatible endpoint on 127.0.0.1. */
class JudgeStepTest {
    @TempDir
    Path dir;

    /** Predictions as a run writes them: two ActivityNet-QA answers and one VideoDC description in cell none, one Video-MME answer. */
    private void predictions() throws IOException {
        try (JsonLog log = JsonLog.open(dir.resolve(EvalRunner.PREDICTIONS))) {
            log.append(line("activitynetqa", 0, RunFixture.activitynet("q0"), "skateboarding"));
            log.append(line("activitynetqa", 1, RunFixture.activitynet("q1"), "surfing"));
            Map<String, Object> dc = new java.util.LinkedHashMap<>();
            dc.put("video_name", "v_abc");
            dc.put("question", "Describe the video in detail.");
            dc.put("answer", "A man rides a skateboard down a street.");
            log.append(line("video_dc499", 0, dc, "A person skateboards."));
            ObjectNode mme = line("videomme", 0, RunFixture.videomme("1", "q", "B"), "B");
            mme.put("parse_failed", false);
            log.append(mme);
        }
    }

    private static ObjectNode line(String task, int doc, Map<String, Object> d, String response) {
        ObjectNode r = JsonLog.JSON.createObjectNode();
        r.put("task", task).put("doc_id", doc).put("cell", "none").put("method", "none").putNull("ratio");
        r.set("doc", PyJson.toJson(d));
        r.putArray("resps").addArray().add(response);
        r.putArray("filtered_resps").add(response);
        r.putObject("stats");
        return r;
    }

    private static Judge judge(URI url, List<Integer> slept) {
        return JudgeStep.http(url, "judge-mini", "test-key", Duration.ofSeconds(5), slept::add);
    }

    private static JsonNode cell(Path dir, String task) throws IOException {
        return EvalRunnerTest.cell(RunFixture.results(dir), task, "none");
    }

    @Test
    void judgesEachPredictionOnceAndResumes() throws IOException {
        predictions();
        try (FakeJudgeEndpoint fake = new FakeJudgeEndpoint(JsonLog.JSON.readTree("[{\"status\": 200, \"content\": \"{'pred': 'yes', 'score': 4}\"}]"))) {
            List<String> problems = new ArrayList<>();
            JudgeStep.Summary s = JudgeStep.run(dir, judge(fake.base().resolve("/v1/chat/completions"), new ArrayList<>()), problems::add, (d, t) -> { });
            assertEquals(3, s.judged());
            assertEquals(0, s.failed());
            assertEquals(List.of(), problems);
            JsonNode body = JsonLog.JSON.readTree(fake.requestBodies().getFirst());
            assertEquals("judge-mini", body.path("model").asText());
            assertTrue(body.path("messages").path(1).path("content").asText().contains("Predicted Answer: skateboarding"), body.toString());
            JsonNode anet = cell(dir, "activitynetqa");
            assertEquals(100.0, anet.path("metrics").path("gpt_eval_accuracy").path("value").asDouble());
            assertEquals(4.0, anet.path("metrics").path("gpt_eval_score").path("value").asDouble());
            assertEquals("judge-mini", anet.path("judge").path("models").path(0).asText());
            assertTrue(anet.path("judge").path("dates").path(0).asText().matches("\\d{4}-\\d\\d-\\d\\d"));
            assertEquals(4.0, cell(dir, "video_dc499").path("metrics").path("gpt_eval_score").path("value").asDouble());
            assertTrue(Files.readString(dir.resolve(Report.TABLE)).contains("judged 2/2 by judge-mini"));
            int sent = fake.requestBodies().size();
            JudgeStep.Summary again = JudgeStep.run(dir, judge(fake.base().resolve("/v1/chat/completions"), new ArrayList<>()), problems::add, (d, t) -> { });
            assertEquals(0, again.judged());
            assertEquals(3, again.alreadyJudged());
            assertEquals(sent, fake.requestBodies().size(), "nothing is judged twice");
        }
    }

    @Test
    void aFailedJudgementIsCountedNotScored() throws IOException {
        predictions();
        List<Integer> slept = new ArrayList<>();
        try (FakeJudgeEndpoint fake = new FakeJudgeEndpoint(JsonLog.JSON.readTree("[{\"status\": 500, \"body\": \"upstream error\"}]"))) {
            List<String> problems = new ArrayList<>();
            JudgeStep.Summary s = JudgeStep.run(dir, judge(fake.base(), slept), problems::add, (d, t) -> { });
            assertEquals(0, s.judged());
            assertEquals(3, s.failed());
            assertTrue(problems.getFirst().startsWith("activitynetqa doc 0 (none): the judge failed: no usable reply in 5 tries (last: HTTP 500)"), problems.getFirst());
            assertEquals(5 + 5 + 1, fake.requestBodies().size(), "ActivityNet-QA tries 5 times each; VideoDC gives up at once on an error that is not JSON, as the copy");
            assertEquals(List.of(5, 5, 5, 5, 5, 5, 5, 5), slept, "the copy's 5 s between tries, asked of the sleeper");
            JsonNode anet = cell(dir, "activitynetqa");
            assertEquals(0, anet.path("judge").path("judged").asInt());
            assertEquals(2, anet.path("judge").path("not_judged").asInt());
            assertEquals(0, anet.path("metrics").path("gpt_eval_accuracy").path("scored").asInt(), "failures are not scored as 0");
            assertFalse(Files.readString(dir.resolve(Report.JUDGEMENTS)).contains("activitynetqa"));
        }
    }

    @Test
    void aMalformedReplyIsScoredAsTheCopyDoesAndCounted() throws IOException {
        predictions();
        try (FakeJudgeEndpoint fake = new FakeJudgeEndpoint(JsonLog.JSON.readTree("[{\"status\": 200, \"content\": \"The answer looks right to me.\"}]"))) {
            JudgeStep.Summary s = JudgeStep.run(dir, judge(fake.base(), new ArrayList<>()), line -> { }, (d, t) -> { });
            assertEquals(3, s.judged());
            assertEquals(3, s.malformed());
            JsonNode anet = cell(dir, "activitynetqa");
            assertEquals(2, anet.path("judge").path("malformed_replies").asInt());
            assertEquals(0.0, anet.path("metrics").path("gpt_eval_accuracy").path("value").asDouble());
        }
    }

    @Test
    void aJudgeThatNeverAnswersTimesOut() throws IOException {
        predictions();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> held = new ArrayList<>();
            Thread accept = Thread.ofVirtual().start(() -> {
                try {
                    while (true) held.add(silent.accept());
                } catch (IOException closed) {
                    // the test is over
                }
            });
            URI url = URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/v1/chat/completions");
            Judge judge = JudgeStep.http(url, "judge-mini", "k", Duration.ofMillis(150), seconds -> { });
            List<String> problems = new ArrayList<>();
            JudgeStep.Summary s = JudgeStep.run(dir, judge, problems::add, (d, t) -> { });
            assertEquals(3, s.failed());
            assertTrue(problems.getFirst().contains("HttpTimeoutException"), problems.getFirst());
            accept.interrupt();
            for (Socket x : held) x.close();
        }
    }

    @Test
    void aFolderWithoutPredictionsIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> JudgeStep.run(dir, judge(URI.create("http://127.0.0.1:9/"), new ArrayList<>()), l -> { }, (d, t) -> { }));
        assertTrue(e.getMessage().endsWith("no predictions.jsonl (run dycoke eval run --out " + dir + " first)"), e.getMessage());
    }
}
