package dev.dycoke4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dycoke4j.cache.Codec;
import dev.dycoke4j.cache.TieredCache;
import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.compress.DecodePruning;
import dev.dycoke4j.compress.ForwardingMethod;
import dev.dycoke4j.compress.RequestShape;
import dev.dycoke4j.pipeline.Answer;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.VideoQa;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Failures inside the engine are a 500 in OpenAI's shape, with nothing of their text sent, and the server goes on; a
 * method's decode hook that fails in one request of a batched decode step fails that request alone; a client that
 * leaves while its whole (non-streamed) answer is being computed is cancelled and its sequence freed.
 */
@Timeout(120)
class FailuresTest {
    static final String SECRET = "engine detail that must stay in the log";
    static VideoQa qa;

    @BeforeAll
    static void load() {
        qa = VideoQa.load(Fixture.MODEL);
    }

    @AfterAll
    static void close() {
        qa.close();
    }

    /** A cache whose every store fails: an engine failure that no request can cause. */
    static <V> TieredCache<V> broken() {
        return new TieredCache<>(1 << 20, null, new Codec<V>() {
            @Override
            public long bytes(V value) {
                throw new IllegalStateException(SECRET);
            }

            @Override
            public byte[] write(V value) {
                throw new IllegalStateException(SECRET);
            }

            @Override
            public V read(ByteBuffer bytes) {
                throw new IllegalStateException(SECRET);
            }
        });
    }

    /** DyCoke (as the oracle's 3 layers take it), whose decode hook throws once {@code armed} is set. */
    record Failing(CompressionMethod base, AtomicBoolean armed) implements ForwardingMethod {
        @Override
        public DecodePruning decode(RequestShape request) {
            DecodePruning h = base.decode(request);
            return new DecodePruning() {
                @Override
                public int probeLayer() {
                    return h.probeLayer();
                }

                @Override
                public int[] select(float[] probs, int len) {
                    if (armed.get()) throw new IllegalStateException(SECRET);
                    return h.select(probs, len);
                }

                @Override
                public double attendedMean() {
                    return h.attendedMean();
                }

                @Override
                public int layer() {
                    return h.layer();
                }

                @Override
                public int attendedAtSelection() {
                    return h.attendedAtSelection();
                }
            };
        }
    }

    static void assertInternal(java.net.http.HttpResponse<String> r) throws Exception {
        assertEquals(500, r.statusCode(), r.body());
        JsonNode e = Fixture.json(r).get("error");
        for (String k : List.of("message", "type", "param", "code")) assertTrue(e.has(k), k + " in " + r.body());
        assertFalse(r.body().contains(SECRET), r.body());
    }

    @Test
    void anEngineFailureIsA500AndTheServerGoesOn() throws Exception {
        var vision = qa.visionStage().cache();
        var prefix = qa.answerStage().cache();
        try (var s = Fixture.start(qa, Fixture.config())) {
            String body = Fixture.chat(Fixture.fileUrl(Fixture.CLIP), "What happens?", 4, Map.of()).toString();
            qa.visionStage().cache(broken()); // fails while the video is encoded
            for (boolean stream : new boolean[]{false, true})
                assertInternal(Fixture.post(s.url("/v1/chat/completions"), Fixture.chat(Fixture.fileUrl(Fixture.CLIP), "What happens?", 4,
                        Map.of("stream", stream)).toString()));
            qa.visionStage().cache(vision);
            qa.answerStage().cache(broken()); // fails in the decode step that stores the prompt's prefix
            assertInternal(Fixture.post(s.url("/v1/chat/completions"), body));
            qa.answerStage().cache(prefix);

            var ok = Fixture.post(s.url("/v1/chat/completions"), body);
            assertEquals(200, ok.statusCode(), ok.body());
            String m = s.server().metricsText();
            assertEquals(3.0, Fixture.metric(m, "dycoke_requests_total{status=\"500\"}"), m);
            assertEquals(0.0, Fixture.metric(m, "dycoke_running_sequences"), m);
            assertTrue(s.log().stream().anyMatch(l -> l.contains(SECRET)), "the failure is logged: " + s.log());
        } finally {
            qa.visionStage().cache(vision);
            qa.answerStage().cache(prefix);
        }
    }

    @Test
    void aHookThatFailsInOneRequestOfABatchedStepFailsItAloneAndTheOthersGetTheirAnswers() throws Exception {
        CompressionMethod dycoke = CompressionMethods.parse("dycoke", Map.of("dp_l", "2"));
        AtomicBoolean armed = new AtomicBoolean();
        ServerConfig c = Fixture.config();
        // the server's default method fails; a request that names its options gets the real one
        ServerConfig config = new ServerConfig(c.host(), 0, c.modelName(), null, c.media(), c.maxFrames(), c.maxQueue(), c.maxBatch(), c.prefillChunk(),
                new Defaults(c.defaults().generation(), c.defaults().vision(), new Failing(dycoke, armed)));
        String url = Fixture.fileUrl(Fixture.CLIP);
        String[] questions = {"What happens?", "Describe the clip.", "What moves?"};
        int tokens = 40;
        GenerationOptions g = GenerationOptions.greedy(tokens);
        GenerationOptions gen = new GenerationOptions(tokens, g.temperature(), g.topP(), g.seed(), true);
        try (var s = Fixture.start(qa, config)) {
            List<String> threeAtOnce = new CopyOnWriteArrayList<>();
            s.server().turns(t -> {
                if (t.startsWith("decode ") && t.split(" ").length == 4 && armed.compareAndSet(false, true)) threeAtOnce.add(t);
            });
            s.server().hold(true);
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Map<String, Object> extra = new java.util.HashMap<>(Map.of("ignore_eos", true));
                if (i != 1) extra.put("dycoke", Map.of("dp_l", 2)); // the real DyCoke; the second takes the failing default
                String body = Fixture.chat(url, questions[i], tokens, extra).toString();
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return Fixture.post(s.url("/v1/chat/completions"), body);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, r -> Thread.ofVirtual().start(r)));
                int queued = i + 1;
                SchedulerTest.await(() -> Fixture.metric(s.server().metricsText(), "dycoke_queue_depth") == queued, "request " + queued + " queued");
            }
            s.server().hold(false);
            List<HttpResponse<String>> got = new ArrayList<>();
            for (var a : answers) got.add(a.get());
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = got.get(i);
                if (i == 1) {
                    assertInternal(r);
                    continue;
                }
                assertEquals(200, r.statusCode(), r.body());
                Answer want = Fixture.library(qa, Fixture.CLIP, 8, questions[i], gen, dycoke);
                assertEquals(Fixture.ids(want.tokenIds()), Fixture.json(r).get("dycoke").get("token_ids"), "request " + i + ": the library's answer");
                assertEquals(want.text(), Fixture.json(r).get("choices").get(0).get("message").get("content").asText());
            }
            assertEquals(1, threeAtOnce.size(), "the hook failed in a step of the three: " + threeAtOnce);
            String m = s.server().metricsText();
            assertEquals(1.0, Fixture.metric(m, "dycoke_requests_total{status=\"500\"}"), m);
            assertEquals(2.0, Fixture.metric(m, "dycoke_requests_total{status=\"200\"}"), m);
            SchedulerTest.await(() -> Fixture.metric(s.server().metricsText(), "dycoke_running_sequences") == 0, "nothing left running");
            assertTrue(s.log().stream().anyMatch(l -> l.contains(SECRET)), "the failure is logged: " + s.log());
        }
    }

    @Test
    void aClientThatLeavesBeforeItsWholeAnswerIsCancelledAndFreed() throws Exception {
        try (var s = Fixture.start(qa, Fixture.config())) {
            List<String> turns = new CopyOnWriteArrayList<>();
            s.server().turns(turns::add);
            byte[] body = Fixture.chat(Fixture.fileUrl(Fixture.CLIP), "Tell me everything.", 3500, Map.of()).toString().getBytes(StandardCharsets.UTF_8);
            URI u = URI.create(s.url("/v1/chat/completions"));
            try (Socket socket = new Socket(u.getHost(), u.getPort())) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: " + u.getHost() + "\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                SchedulerTest.await(() -> turns.stream().filter(t -> t.startsWith("decode ")).count() >= 3, "the answer is being decoded");
            } // the client leaves without reading anything
            SchedulerTest.await(() -> Fixture.metric(s.server().metricsText(), "dycoke_requests_total{status=\"499\"}") == 1, "the request is cancelled");
            SchedulerTest.await(() -> Fixture.metric(s.server().metricsText(), "dycoke_running_sequences") == 0, "its sequence is freed");
            assertEquals(0.0, Fixture.metric(s.server().metricsText(), "dycoke_kv_cache_bytes"));
            String line = s.log().stream().filter(l -> l.endsWith("status 499")).findFirst().orElseThrow();
            int tokens = Integer.parseInt(line.replaceAll(".*\\| tokens (\\d+) \\|.*", "$1"));
            assertTrue(tokens < 3500, "stopped early: " + line);
            assertEquals(200, Fixture.post(s.url("/v1/chat/completions"), Fixture.chat(Fixture.fileUrl(Fixture.CLIP), "What?", 2, Map.of()).toString())
                    .statusCode(), "the server goes on");
        }
    }
}
