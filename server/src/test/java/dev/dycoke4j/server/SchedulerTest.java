package dev.dycoke4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.video.SyntheticClip;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine thread under load: answers that do not depend on batching, every request completing with nothing left
 * running, a client that leaves mid-stream, stop strings, and a graceful shutdown.
 */
class SchedulerTest {
    static VideoQa qa, alone;
    static Path dir;
    static final String[] QUESTIONS = {"What happens in this video?", "Describe the ball.", "How many objects are there?", "What colour is the square?"};
    static final List<Map<String, Object>> METHODS = List.of(Map.of(), Map.of("compress", "dycoke", "dp_l", 2), Map.of("compress", "fastv", "fastv_k", 1, "ratio", 0.5),
            Map.of("compress", "uniform", "ratio", 0.4));

    @TempDir
    static Path tmp;

    @BeforeAll
    static void load() throws Exception {
        qa = VideoQa.load(Fixture.MODEL);
        alone = VideoQa.load(Fixture.MODEL);
        dir = Files.createDirectories(tmp.resolve("media"));
        Files.copy(Fixture.CLIP, dir.resolve("clip.mkv"));
        SyntheticClip.write(dir.resolve("a.mp4"), 64, 48, 12, 8);
        SyntheticClip.write(dir.resolve("b.mp4"), 48, 32, 20, 10);
    }

    @AfterAll
    static void close() {
        qa.close();
        alone.close();
    }

    static Fixture.Running server(VideoQa model, int maxQueue, int maxBatch, int prefillChunk) {
        var c = Fixture.config();
        return Fixture.start(model, new ServerConfig(c.host(), 0, c.modelName(), null, MediaPolicy.none().withLocalRoot(dir), c.maxFrames(), maxQueue,
                maxBatch, prefillChunk, c.defaults()));
    }

    /** Request {@code i} of a mix: three videos, four questions, four methods, two frame counts, several lengths. */
    static String request(int i) {
        String[] videos = {"clip.mkv", "a.mp4", "b.mp4"};
        Map<String, Object> ext = new LinkedHashMap<>(METHODS.get(i / 3 % METHODS.size()));
        ext.put("frames", i % 2 == 0 ? 8 : 4);
        return Fixture.chat(Fixture.fileUrl(dir.resolve(videos[i % 3])), QUESTIONS[i % 4], 5 + i % 6, Map.of("dycoke", ext)).toString();
    }

    static JsonNode tokens(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        return Fixture.json(r).get("dycoke").get("token_ids");
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        for (int i = 0; i < 1200 && !condition.getAsBoolean(); i++) Thread.sleep(50);
        assertTrue(condition.getAsBoolean(), what);
    }

    @Test
    void concurrentRequestsAllCompleteWithTheSequentialAnswersAndLeaveNothingRunning() throws Exception {
        int n = 24;
        List<JsonNode> sequential = new ArrayList<>();
        try (var s = server(alone, 64, 1, 256)) {
            for (int i = 0; i < n; i++) sequential.add(tokens(Fixture.post(s.url("/v1/chat/completions"), request(i))));
        }
        try (var s = server(qa, 64, 4, 32); ExecutorService pool = Executors.newFixedThreadPool(6)) {
            List<Future<HttpResponse<String>>> got = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String body = request(i);
                got.add(pool.submit(() -> Fixture.post(s.url("/v1/chat/completions"), body)));
            }
            for (int i = 0; i < n; i++) assertEquals(sequential.get(i), tokens(got.get(i).get()), "request " + i);
            String m = s.server().metricsText();
            assertEquals(n, Fixture.metric(m, "dycoke_requests_total{status=\"200\"}"), m);
            await(() -> Fixture.metric(s.server().metricsText(), "dycoke_running_sequences") == 0, "no sequence left running");
            m = s.server().metricsText();
            assertEquals(0.0, Fixture.metric(m, "dycoke_kv_cache_bytes"), m);
            assertEquals(0.0, Fixture.metric(m, "dycoke_queue_depth"), m);
            assertTrue(Fixture.metric(m, "dycoke_cache_hits_total{cache=\"vision\"}") > 0, "videos asked about again come from the cache");
        }
    }

    @Test
    void eightRequestsAdmittedTogetherGiveTheTokensTheyGiveAlone() throws Exception {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 8; i++) bodies.add(request(i * 5 + 1));
        List<JsonNode> single = new ArrayList<>();
        try (var s = server(alone, 64, 1, 256)) {
            for (String b : bodies) single.add(tokens(Fixture.post(s.url("/v1/chat/completions"), b)));
        }
        try (var s = server(qa, 64, 8, 16); ExecutorService pool = Executors.newFixedThreadPool(8)) {
            s.server().hold(true);
            List<Future<HttpResponse<String>>> got = new ArrayList<>();
            for (String b : bodies) got.add(pool.submit(() -> Fixture.post(s.url("/v1/chat/completions"), b)));
            await(() -> Fixture.metric(s.server().metricsText(), "dycoke_queue_depth") == 8, "all eight queued");
            s.server().hold(false);
            for (int i = 0; i < 8; i++) assertEquals(single.get(i), tokens(got.get(i).get()), "request " + i);
            String m = s.server().metricsText();
            assertTrue(Fixture.metric(m, "dycoke_batch_size_max") >= 2, "decode steps ran several sequences at once:\n" + m);
        }
    }

    @Test
    void aClientThatLeavesMidStreamIsCancelledAndFreed() throws Exception {
        try (var s = server(qa, 64, 4, 256)) {
            String body = Fixture.chat(Fixture.fileUrl(dir.resolve("a.mp4")), "Tell me everything.", 3500,
                    Map.of("stream", true, "dycoke", Map.of("frames", 4))).toString();
            HttpResponse<InputStream> r = Fixture.HTTP.send(HttpRequest.newBuilder(URI.create(s.url("/v1/chat/completions")))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                int events = 0;
                for (String line; events < 3 && (line = in.readLine()) != null; ) if (line.startsWith("data: {")) events++;
                assertEquals(3, events);
            }
            await(() -> Fixture.metric(s.server().metricsText(), "dycoke_requests_total{status=\"499\"}") == 1, "the request is cancelled");
            await(() -> Fixture.metric(s.server().metricsText(), "dycoke_running_sequences") == 0, "its sequence is freed");
            assertEquals(0.0, Fixture.metric(s.server().metricsText(), "dycoke_kv_cache_bytes"));
            String line = s.log().stream().filter(l -> l.endsWith("status 499")).findFirst().orElseThrow();
            int tokens = Integer.parseInt(line.replaceAll(".*\\| tokens (\\d+) \\|.*", "$1"));
            assertTrue(tokens < 3500, "stopped early: " + line);
            assertEquals(200, Fixture.post(s.url("/v1/chat/completions"), request(0)).statusCode(), "the server goes on");
        }
    }

    /**
     * A new video is encoded a batch of frames per turn: between every two of its vision units, the running stream
     * gets one decode step (counted from the engine's turns, not timed).
     */
    @Test
    void aNewVideoIsEncodedBetweenTheDecodeStepsOfARunningStream() throws Exception {
        var c = Fixture.config();
        int frames = 8, batch = 2;
        var defaults = new Defaults(c.defaults().generation(), new dev.dycoke4j.pipeline.VisionOptions(frames, batch), c.defaults().compression());
        try (var s = Fixture.start(qa, new ServerConfig(c.host(), 0, c.modelName(), null, MediaPolicy.none().withLocalRoot(dir), c.maxFrames(), 64, 4,
                256, defaults))) {
            List<String> turns = new java.util.concurrent.CopyOnWriteArrayList<>();
            s.server().turns(turns::add);
            String running = Fixture.chat(Fixture.fileUrl(dir.resolve("a.mp4")), "Tell me everything.", 3500, Map.of("stream", true)).toString();
            HttpResponse<InputStream> r = Fixture.HTTP.send(HttpRequest.newBuilder(URI.create(s.url("/v1/chat/completions")))
                    .POST(HttpRequest.BodyPublishers.ofString(running)).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null && !line.startsWith("data: {"); ) {
                    // until the stream's first event: it is decoding
                }
                String streamId = turns.stream().filter(t -> t.startsWith("decode ")).findFirst().orElseThrow().substring(7);
                var admitted = Fixture.post(s.url("/v1/chat/completions"), Fixture.chat(Fixture.fileUrl(dir.resolve("b.mp4")), "What?", 2, Map.of()).toString());
                assertEquals(200, admitted.statusCode(), admitted.body());
                String newId = Fixture.json(admitted).get("id").asText();
                List<String> seen = List.copyOf(turns);
                List<Integer> vision = new ArrayList<>();
                for (int i = 0; i < seen.size(); i++) if (seen.get(i).equals("vision " + newId)) vision.add(i);
                assertEquals(1 + frames / batch, vision.size(), "the lookup, then a unit per batch of frames: " + seen);
                for (int k = 1; k < vision.size(); k++) {
                    List<String> between = seen.subList(vision.get(k - 1) + 1, vision.get(k));
                    assertEquals(List.of("decode " + streamId), between, "one decode step of the running stream between two vision units");
                }
            }
            await(() -> Fixture.metric(s.server().metricsText(), "dycoke_running_sequences") == 0, "the stream left is cancelled");
        }
    }

    @Test
    void aStopStringEndsTheAnswerBeforeIt() throws Exception {
        try (var s = server(qa, 64, 4, 256)) {
            String url = Fixture.fileUrl(dir.resolve("clip.mkv"));
            JsonNode full = Fixture.json(Fixture.post(s.url("/v1/chat/completions"), Fixture.chat(url, QUESTIONS[0], 12, Map.of()).toString()));
            String text = full.get("choices").get(0).get("message").get("content").asText();
            assertTrue(text.length() > 6, text);
            String stop = text.substring(3, 6);
            int at = text.indexOf(stop);
            for (boolean stream : new boolean[]{false, true}) {
                var r = Fixture.post(s.url("/v1/chat/completions"), Fixture.chat(url, QUESTIONS[0], 12, Map.of("stop", List.of(stop), "stream", stream)).toString());
                assertEquals(200, r.statusCode(), r.body());
                String got;
                String reason;
                if (stream) {
                    StringBuilder sb = new StringBuilder();
                    String rs = null;
                    List<String> data = r.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
                    assertEquals("[DONE]", data.getLast());
                    for (String d : data.subList(0, data.size() - 1)) {
                        JsonNode c = Fixture.JSON.readTree(d).get("choices").get(0);
                        if (c.get("delta").has("content")) sb.append(c.get("delta").get("content").asText());
                        if (!c.get("finish_reason").isNull()) rs = c.get("finish_reason").asText();
                    }
                    got = sb.toString();
                    reason = rs;
                } else {
                    JsonNode c = Fixture.json(r).get("choices").get(0);
                    got = c.get("message").get("content").asText();
                    reason = c.get("finish_reason").asText();
                }
                assertEquals(text.substring(0, at), got, "stream " + stream);
                assertEquals("stop", reason);
            }
            assertEquals("length", full.get("choices").get(0).get("finish_reason").asText(), "12 tokens without a stop token");
        }
    }

    @Test
    void shutdownRefusesQueuedRequestsAndLetsRunningOnesFinish() throws Exception {
        var s = server(qa, 64, 1, 256);
        String url = Fixture.fileUrl(dir.resolve("clip.mkv"));
        String body = Fixture.chat(url, QUESTIONS[0], 2000, Map.of("stream", true)).toString();
        HttpResponse<InputStream> r = Fixture.HTTP.send(HttpRequest.newBuilder(URI.create(s.url("/v1/chat/completions")))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        Thread closer = new Thread(s::close);
        List<String> data = new ArrayList<>();
        java.util.concurrent.CompletableFuture<HttpResponse<String>> queued = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.startsWith("data: ")) continue;
                data.add(line.substring(6));
                if (data.size() == 2) { // a second request waits behind the running one (a batch of one), then the shutdown starts
                    queued = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                        try {
                            return Fixture.post(s.url("/v1/chat/completions"), request(0));
                        } catch (Exception e) {
                            throw new RuntimeException(e);
                        }
                    });
                    await(() -> Fixture.metric(s.server().metricsText(), "dycoke_queue_depth") == 1, "the second request is queued");
                    closer.start();
                }
            }
        }
        closer.join();
        assertEquals(503, queued.get().statusCode(), queued.get().body());
        assertEquals("service_unavailable", Fixture.json(queued.get()).get("error").get("type").asText());
        assertEquals("[DONE]", data.getLast());
        var want = Fixture.library(alone, dir.resolve("clip.mkv"), 8, QUESTIONS[0], 2000, dev.dycoke4j.compress.CompressionMethods.none());
        StringBuilder text = new StringBuilder();
        for (String d : data.subList(0, data.size() - 1)) {
            JsonNode c = Fixture.JSON.readTree(d).get("choices").get(0);
            if (c.get("delta").has("content")) text.append(c.get("delta").get("content").asText());
        }
        assertEquals(want.text(), text.toString(), "the running answer ran to its end");
        JsonNode finish = Fixture.JSON.readTree(data.get(data.size() - 2)).get("choices").get(0);
        assertEquals(want.tokenIds().length < 2000 ? "stop" : "length", finish.get("finish_reason").asText());
        assertTrue(s.log().stream().anyMatch(l -> l.endsWith("| tokens " + want.tokenIds().length + " | status 200")), s.log().toString());
        assertTrue(s.log().stream().anyMatch(l -> l.endsWith("| status 503")), s.log().toString());
    }
}
