package dev.dycoke4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.pipeline.Answer;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VisionOptions;
import dev.dycoke4j.testing.QwenVlOracle;
import dev.dycoke4j.video.VideoFileSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code dycoke serve} on the tiny Qwen2.5-VL checkpoint: a video question answered, streamed or not, with the tokens
 * the library's session gives ({@code dycoke run}'s path), the same alone and inside a batch of decode steps; a method
 * Qwen cannot run is a 400 naming it.
 */
class QwenServeTest {
    static final Path CLIP = QwenVlOracle.root().resolve("golden/clip.mkv");
    static final String[] QUESTIONS = {"What happens in this video?", "Describe the ball.", "How many objects are there?", "What colour is it?"};
    static VideoQa qa, alone;

    @BeforeAll
    static void load() {
        qa = VideoQa.load(QwenVlOracle.model());
        alone = VideoQa.load(QwenVlOracle.model());
    }

    @AfterAll
    static void close() {
        qa.close();
        alone.close();
    }

    static Fixture.Running server(VideoQa model, int maxBatch) {
        var c = Fixture.config();
        return Fixture.start(model, new ServerConfig(c.host(), 0, c.modelName(), null, MediaPolicy.none().withLocalRoot(CLIP.getParent()), c.maxFrames(),
                c.maxQueue(), maxBatch, c.prefillChunk(), c.defaults()));
    }

    static String request(String question, int tokens, Map<String, Object> extra) {
        return Fixture.chat(Fixture.fileUrl(CLIP), question, tokens, extra).toString();
    }

    static Answer library(String question, int tokens) {
        return alone.open(new VideoFileSource(CLIP), VisionOptions.of(8), CompressionMethods.none()).ask(question, GenerationOptions.greedy(tokens), null);
    }

    @Test
    void aVideoQuestionGetsRunsTokensStreamedOrNot() throws Exception {
        Answer want = library(QUESTIONS[0], 8);
        try (var s = server(qa, 4)) {
            var r = Fixture.post(s.url("/v1/chat/completions"), request(QUESTIONS[0], 8, Map.of()));
            assertEquals(200, r.statusCode(), r.body());
            JsonNode body = Fixture.json(r);
            assertEquals(Fixture.ids(want.tokenIds()), body.get("dycoke").get("token_ids"));
            assertEquals(want.text(), body.get("choices").get(0).get("message").get("content").asText());
            assertEquals(8, body.get("dycoke").get("frames").asInt(), body.toString());
            assertEquals(192, body.get("dycoke").get("visual_tokens_pooled").asInt(), body.toString());

            var streamed = Fixture.post(s.url("/v1/chat/completions"), request(QUESTIONS[0], 8,
                    Map.of("stream", true, "stream_options", Map.of("include_usage", true))));
            assertEquals(200, streamed.statusCode(), streamed.body());
            List<String> data = streamed.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
            assertEquals("[DONE]", data.getLast());
            StringBuilder text = new StringBuilder();
            JsonNode last = null;
            for (String d : data.subList(0, data.size() - 1)) {
                JsonNode chunk = Fixture.JSON.readTree(d);
                JsonNode delta = chunk.get("choices").isEmpty() ? null : chunk.get("choices").get(0).get("delta");
                if (delta != null && delta.has("content")) text.append(delta.get("content").asText());
                last = chunk;
            }
            assertEquals(want.text(), text.toString());
            assertEquals(Fixture.ids(want.tokenIds()), last.get("dycoke").get("token_ids"), "the usage chunk's ids: " + last);
            String m = s.server().metricsText();
            assertTrue(Fixture.metric(m, "dycoke_cache_hits_total{cache=\"vision\"}") > 0, "the second request's video came from the cache:\n" + m);
        }
    }

    /** Four questions admitted together decode in shared steps and get the tokens each gets alone. */
    @Test
    void questionsInsideABatchGetTheTokensTheyGetAlone() throws Exception {
        List<JsonNode> single = new ArrayList<>();
        try (var s = server(alone, 1)) {
            for (int i = 0; i < QUESTIONS.length; i++)
                single.add(tokens(Fixture.post(s.url("/v1/chat/completions"), request(QUESTIONS[i], 4 + i, Map.of()))));
        }
        try (var s = server(qa, 4); ExecutorService pool = Executors.newFixedThreadPool(4)) {
            s.server().hold(true);
            List<Future<HttpResponse<String>>> got = new ArrayList<>();
            for (int i = 0; i < QUESTIONS.length; i++) {
                String body = request(QUESTIONS[i], 4 + i, Map.of());
                got.add(pool.submit(() -> Fixture.post(s.url("/v1/chat/completions"), body)));
            }
            SchedulerTest.await(() -> Fixture.metric(s.server().metricsText(), "dycoke_queue_depth") == QUESTIONS.length, "all queued");
            s.server().hold(false);
            for (int i = 0; i < QUESTIONS.length; i++) assertEquals(single.get(i), tokens(got.get(i).get()), "request " + i);
            String m = s.server().metricsText();
            assertTrue(Fixture.metric(m, "dycoke_batch_size_max") >= 2, "decode steps ran several sequences at once:\n" + m);
        }
    }

    @Test
    void aMethodQwenCannotRunIsA400NamingIt() throws Exception {
        try (var s = server(qa, 1)) {
            var r = Fixture.post(s.url("/v1/chat/completions"), request(QUESTIONS[0], 4, Map.of("dycoke", Map.of("compress", "visionzip"))));
            assertEquals(400, r.statusCode(), r.body());
            JsonNode error = Fixture.json(r).get("error");
            assertTrue(error.get("message").asText().contains("ranks tokens by the vision tower's attention, which Qwen2.5-VL's tower does not give"),
                    error.toString());
        }
    }

    static JsonNode tokens(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        return Fixture.json(r).get("dycoke").get("token_ids");
    }
}
