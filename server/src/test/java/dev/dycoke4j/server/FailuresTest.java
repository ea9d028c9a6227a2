package dev.dycoke4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dycoke4j.cache.Codec;
import dev.dycoke4j.cache.TieredCache;
import dev.dycoke4j.pipeline.VideoQa;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Failures inside the engine are a 500 in OpenAI's shape, with nothing of their text sent, and the server goes on;
 * a client that leaves while its whole (non-streamed) answer is being computed is cancelled and its sequence freed.
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
