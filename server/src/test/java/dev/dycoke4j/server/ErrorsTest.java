package dev.dycoke4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dycoke4j.pipeline.VideoQa;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every error a client can cause, through raw HTTP: its status and OpenAI's error shape naming the field. */
class ErrorsTest {
    static VideoQa qa;
    static Fixture.Running server;

    @BeforeAll
    static void start() {
        qa = VideoQa.load(Fixture.MODEL);
        server = Fixture.start(qa, Fixture.config());
    }

    @AfterAll
    static void stop() {
        server.close();
        qa.close();
    }

    static String clip() {
        return Fixture.fileUrl(Fixture.CLIP);
    }

    /** The error object, after checking the status and that the shape is OpenAI's. */
    static JsonNode error(HttpResponse<String> r, int status) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.headers().toString());
        JsonNode root = Fixture.json(r);
        assertEquals(1, root.size(), r.body());
        JsonNode e = root.get("error");
        for (String k : List.of("message", "type", "param", "code")) assertTrue(e.has(k), k + " in " + r.body());
        assertFalse(e.get("message").asText().isBlank());
        return e;
    }

    static HttpResponse<String> chat(Map<String, Object> extra) throws Exception {
        return Fixture.post(server.url("/v1/chat/completions"), Fixture.chat(clip(), "What happens?", 4, extra).toString());
    }

    @Test
    void badRequestsNameTheField() throws Exception {
        Map<Object, String> cases = new java.util.LinkedHashMap<>();
        cases.put(Map.of("n", 2), "n");
        cases.put(Map.of("tools", List.of(Map.of("type", "function", "function", Map.of("name", "f")))), "tools");
        cases.put(Map.of("temperature", "hot"), "temperature");
        cases.put(Map.of("top_p", 0), "top_p");
        cases.put(Map.of("max_tokens", 0), "max_tokens");
        cases.put(Map.of("stream_options", Map.of("include_usage", true)), "stream_options");
        cases.put(Map.of("stream", true, "stream_options", Map.of("continuous_usage_stats", "yes")), "stream_options.continuous_usage_stats");
        cases.put(Map.of("stream", true, "stream_options", Map.of("usage_every_chunk", true)), "stream_options.usage_every_chunk");
        cases.put(Map.of("best_of", 3), "best_of");
        cases.put(Map.of("dycoke", Map.of("foo", 1)), "dycoke.foo");
        cases.put(Map.of("dycoke", Map.of("compress", "dycoke", "fastv_k", 2)), "dycoke.fastv_k");
        cases.put(Map.of("dycoke", Map.of("compress", "dycoke", "dp_p", 1.5)), "dycoke.dp_p");
        cases.put(Map.of("dycoke", Map.of("compress", "zip")), "dycoke.compress");
        cases.put(Map.of("dycoke", Map.of("frames", 17)), "dycoke.frames");
        cases.put(Map.of("dycoke", Map.of("frames", 0)), "dycoke.frames");
        for (var c : cases.entrySet()) {
            @SuppressWarnings("unchecked") Map<String, Object> extra = (Map<String, Object>) c.getKey();
            JsonNode e = error(chat(extra), 400);
            assertEquals(c.getValue(), e.get("param").asText(), e.toString());
            assertEquals("invalid_request_error", e.get("type").asText());
        }
        JsonNode e = error(chat(Map.of("dycoke", Map.of("compress", "dycoke", "dp_p", 1.5))), 400);
        assertTrue(e.get("message").asText().startsWith("dycoke.dp_p "), "the CLI's message with the API's key: " + e);
    }

    @Test
    void messagesNameThePartAtFault() throws Exception {
        var body = Fixture.chat(clip(), "What?", 4, Map.of());
        ((com.fasterxml.jackson.databind.node.ArrayNode) body.get("messages").get(0).get("content")).addObject()
                .put("type", "image_url").putObject("image_url").put("url", "data:image/png;base64,AAAA");
        assertEquals("messages[0].content[2]", error(Fixture.post(server.url("/v1/chat/completions"), body.toString()), 400).get("param").asText());

        body = Fixture.chat(clip(), "What?", 4, Map.of());
        ((com.fasterxml.jackson.databind.node.ObjectNode) body.get("messages").get(0)).put("role", "wizard");
        assertEquals("messages[0].role", error(Fixture.post(server.url("/v1/chat/completions"), body.toString()), 400).get("param").asText());

        body = Fixture.chat(clip(), "What?", 4, Map.of());
        ((com.fasterxml.jackson.databind.node.ArrayNode) body.get("messages")).insertObject(0).put("role", "tool").put("content", "x");
        assertEquals("messages[0].role", error(Fixture.post(server.url("/v1/chat/completions"), body.toString()), 400).get("param").asText());

        String lastIsAssistant = "{\"model\":\"" + Fixture.NAME + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},"
                + "{\"role\":\"assistant\",\"content\":\"Hello\"}]}";
        assertEquals("messages[1].role", error(Fixture.post(server.url("/v1/chat/completions"), lastIsAssistant), 400).get("param").asText());

        JsonNode e = error(Fixture.post(server.url("/v1/chat/completions"), "{not json"), 400);
        assertTrue(e.get("param").isNull());
    }

    @Test
    void anUnknownModelOrPathIs404() throws Exception {
        JsonNode e = error(Fixture.post(server.url("/v1/chat/completions"), Fixture.chat(clip(), "What?", 4, Map.of("model", "gpt-4o")).toString()), 404);
        assertEquals("model_not_found", e.get("code").asText());
        assertEquals("model", e.get("param").asText());
        error(Fixture.get(server.url("/v1/completions")), 404);
    }

    @Test
    void aBudgetTheMethodCantReachIs400NamingRatio() throws Exception {
        JsonNode e = error(chat(Map.of("dycoke", Map.of("compress", "dycoke", "ratio", 0.05))), 400);
        assertEquals("dycoke.ratio", e.get("param").asText());
        assertTrue(e.get("message").asText().contains("DyCoke's TTM can't keep only"), e.toString());
    }

    /** FastV's K runs to the model's last layer (the first that sees only the kept tokens); one more prunes none. */
    @Test
    void aFastvLayerBeyondTheModelIs400NamingIt() throws Exception {
        JsonNode e = error(chat(Map.of("dycoke", Map.of("compress", "fastv", "fastv_k", 3))), 400);
        assertEquals("dycoke.fastv_k", e.get("param").asText());
        assertEquals("dycoke.fastv_k 3 is outside 1..2 for this 3-layer model", e.get("message").asText());
    }

    @Test
    void fastvidWithoutAPoolingHeadIs400NamingIt() throws Exception {
        JsonNode e = error(chat(Map.of("dycoke", Map.of("compress", "fastvid", "ratio", 0.5))), 400);
        assertEquals("dycoke.compress", e.get("param").asText());
        assertEquals("fastvid needs SigLIP's attention-pooling head, which LLaVA-OneVision checkpoints do not contain, and this server has none",
                e.get("message").asText());
    }

    @Test
    void aCorruptVideoIs400WithoutTheDecodersText() throws Exception {
        byte[] junk = new byte[4096];
        new java.util.Random(1).nextBytes(junk);
        System.arraycopy("\u001aE\u00df\u00a3junk".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, junk, 0, 8);
        String url = "data:video/x-matroska;base64," + Base64.getEncoder().encodeToString(junk);
        for (boolean stream : new boolean[]{false, true}) {
            int before = server.log().size();
            var r = Fixture.post(server.url("/v1/chat/completions"), Fixture.chat(url, "What?", 4, Map.of("stream", stream)).toString());
            JsonNode e = error(r, 400);
            assertEquals("the video could not be decoded", e.get("message").asText());
            assertEquals("messages[0].content[1].video_url.url", e.get("param").asText());
            List<String> lines = server.log().subList(before, server.log().size());
            assertTrue(lines.stream().anyMatch(l -> l.contains("the video could not be decoded: ") && l.length() > 60),
                    "the decoder's own message is logged: " + lines);
            assertTrue(lines.stream().anyMatch(l -> l.endsWith("status 400")), lines.toString());
        }
    }

    @Test
    void theApiKeyIsRequiredWhenSet() throws Exception {
        var c = Fixture.config();
        var keyed = new ServerConfig(c.host(), 0, c.modelName(), "s3cret", c.media(), c.maxFrames(), c.maxQueue(), c.maxBatch(), c.prefillChunk(), c.defaults());
        try (var s = Fixture.start(qa, keyed)) {
            assertEquals("invalid_api_key", error(Fixture.get(s.url("/v1/models")), 401).get("code").asText());
            error(Fixture.get(s.url("/v1/models"), "Authorization", "Bearer s3cre"), 401);
            error(Fixture.get(s.url("/v1/models"), "Authorization", "Bearer s3cret-and-more"), 401);
            error(Fixture.post(s.url("/v1/chat/completions"), Fixture.chat(clip(), "What?", 2, Map.of()).toString()), 401);
            assertEquals(200, Fixture.get(s.url("/v1/models"), "Authorization", "Bearer s3cret").statusCode());
            assertEquals(200, Fixture.post(s.url("/v1/chat/completions"), Fixture.chat(clip(), "What?", 2, Map.of()).toString(),
                    "Authorization", "Bearer s3cret").statusCode());
            assertEquals(200, Fixture.get(s.url("/health")).statusCode(), "health needs no key");
            assertTrue(s.log().stream().noneMatch(l -> l.contains("s3cret")), "the key is never logged");
        }
    }

    @Test
    void bodiesAndVideosOverTheCapsAre413() throws Exception {
        var c = Fixture.config();
        var small = new ServerConfig(c.host(), 0, c.modelName(), null, c.media().withMaxBytes(2000), c.maxFrames(), c.maxQueue(), c.maxBatch(),
                c.prefillChunk(), c.defaults());
        try (var s = Fixture.start(qa, small)) {
            String big = "{\"model\":\"x\",\"pad\":\"" + "a".repeat(2 << 20) + "\"}";
            error(Fixture.post(s.url("/v1/chat/completions"), big), 413);
            String data = "data:video/mp4;base64," + Base64.getEncoder().encodeToString(new byte[3000]);
            JsonNode e = error(Fixture.post(s.url("/v1/chat/completions"), Fixture.chat(data, "What?", 2, Map.of()).toString()), 413);
            assertEquals("messages[0].content[1].video_url.url", e.get("param").asText());
            error(Fixture.post(s.url("/v1/chat/completions"), Fixture.chat(clip(), "What?", 2, Map.of()).toString()), 413);
        }
    }

    @Test
    void aFullQueueIs429AndTheQueuedRequestStillCompletes() throws Exception {
        var c = Fixture.config();
        var one = new ServerConfig(c.host(), 0, c.modelName(), null, c.media(), c.maxFrames(), 1, 1, c.prefillChunk(), c.defaults());
        try (var s = Fixture.start(qa, one)) {
            s.server().hold(true);
            String body = Fixture.chat(clip(), "What happens?", 2, Map.of()).toString();
            CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return Fixture.post(s.url("/v1/chat/completions"), body);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            for (int i = 0; i < 600 && Fixture.metric(s.server().metricsText(), "dycoke_queue_depth") < 1; i++) Thread.sleep(50);
            assertEquals(1.0, Fixture.metric(s.server().metricsText(), "dycoke_queue_depth"));
            JsonNode e = error(Fixture.post(s.url("/v1/chat/completions"), body), 429);
            assertEquals("queue_full", e.get("code").asText());
            s.server().hold(false);
            assertEquals(200, first.get().statusCode(), first.get().body());
            String m = s.server().metricsText();
            assertEquals(1.0, Fixture.metric(m, "dycoke_requests_total{status=\"429\"}"), m);
            assertEquals(1.0, Fixture.metric(m, "dycoke_requests_total{status=\"200\"}"), m);
        }
    }

    @Test
    void healthModelsAndMetricsAnswer() throws Exception {
        assertEquals(200, chat(new HashMap<>()).statusCode());
        var h = Fixture.get(server.url("/health"));
        assertEquals(200, h.statusCode());
        assertEquals("ok", Fixture.json(h).get("status").asText());
        var models = Fixture.json(Fixture.get(server.url("/v1/models")));
        assertEquals(Fixture.NAME, models.get("data").get(0).get("id").asText());
        var m = Fixture.get(server.url("/metrics"));
        assertEquals(200, m.statusCode());
        assertTrue(m.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        for (String name : List.of("dycoke_requests_total{status=\"200\"}", "dycoke_queue_depth", "dycoke_running_sequences", "dycoke_kv_cache_bytes",
                "dycoke_batch_size_count", "dycoke_time_to_first_token_seconds_count", "dycoke_inter_token_latency_seconds_count",
                "dycoke_admission_time_seconds_count", "dycoke_prompt_tokens_total", "dycoke_completion_tokens_total", "dycoke_cache_hits_total{cache=\"vision\"}",
                "dycoke_cache_hits_total{cache=\"prefix\"}", "jvm_gc_live_data_size_bytes", "jvm_gc_memory_allocated_bytes_total"))
            assertFalse(Double.isNaN(Fixture.metric(m.body(), name)), name + " in\n" + m.body());
        assertTrue(Fixture.metric(m.body(), "dycoke_requests_total{status=\"200\"}") >= 1);
        assertTrue(Fixture.metric(m.body(), "dycoke_completion_tokens_total") >= 1);
        assertTrue(m.body().contains("dycoke_time_to_first_token_seconds_bucket{le="), "a histogram");
        assertTrue(m.body().contains("jvm_memory_used_bytes{area=\"heap\""), "the heap's pools");
    }
}
