package dev.dycoke4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.pipeline.Answer;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VisionOptions;
import dev.dycoke4j.testing.QwenVlOracle;
import dev.dycoke4j.video.QwenVideoReader;
import dev.dycoke4j.video.SyntheticClip;
import dev.dycoke4j.video.VideoFileSource;
import dev.dycoke4j.vision.QwenSampling;
import dev.dycoke4j.vision.RgbFrame;
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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

    /**
     * Four questions admitted together decode in shared steps and get the tokens each gets alone. The turns are timed
     * by a clock that only they advance ({@link #cost}, with the tiny tower's pieces at 1 ms each), so that how much of
     * the others' vision and prefill fits beside the first one's decode steps does not depend on the machine's speed (a
     * cold JIT's one-row prefill chunks can take longer than the first question's four tokens).
     */
    @Test
    void questionsInsideABatchGetTheTokensTheyGetAlone() throws Exception {
        List<JsonNode> single = new ArrayList<>();
        try (var s = server(alone, 1)) {
            for (int i = 0; i < QUESTIONS.length; i++)
                single.add(tokens(Fixture.post(s.url("/v1/chat/completions"), request(QUESTIONS[i], 4 + i, Map.of()))));
        }
        try (var s = server(qa, 4); ExecutorService pool = Executors.newFixedThreadPool(4)) {
            AtomicLong now = new AtomicLong();
            s.server().clock(now::get);
            s.server().turns(t -> now.addAndGet(t.startsWith("vision ") ? 1_000_000L : cost(t)));
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

    /** What a unit of work costs on the test clock: a decode step 100 ms, a prefill chunk 5 ms and 2 per row, any other 20 ms. */
    static long cost(String turn) {
        String[] t = turn.split(" ");
        return switch (t[0]) {
            case "decode" -> 100_000_000L;
            case "prefill" -> 5_000_000L + 2_000_000L * Integer.parseInt(t[2]);
            default -> 20_000_000L;
        };
    }

    /**
     * A video question admitted while a text stream decodes, timed by a clock that only the turns advance: its vision
     * tower runs in pieces spread over many turns, each turn's decode step running the stream, and it gets the tokens
     * the library's session gives.
     */
    @Test
    void aVideoAdmittedWhileAStreamDecodesIsEncodedInPiecesOverManyTurnsAndGetsRunsTokens() throws Exception {
        Answer want = library(QUESTIONS[1], 6);
        qa.clearCaches(); // the video is new to the server: its vision tower runs
        AtomicLong now = new AtomicLong();
        List<String> turns = new CopyOnWriteArrayList<>();
        List<String> seen;
        String newId, streamId;
        try (var s = server(qa, 4)) {
            s.server().clock(now::get);
            s.server().turns(t -> {
                turns.add(t);
                now.addAndGet(cost(t));
            });
            ObjectNode text = Fixture.JSON.createObjectNode().put("model", Fixture.config().modelName()).put("max_tokens", 3500).put("stream", true)
                    .put("ignore_eos", true);
            text.putArray("messages").addObject().put("role", "user").put("content", "Tell me everything.");
            HttpResponse<InputStream> r = Fixture.HTTP.send(HttpRequest.newBuilder(URI.create(s.url("/v1/chat/completions")))
                    .POST(HttpRequest.BodyPublishers.ofString(text.toString())).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null && !line.startsWith("data: {")) {
                    // until the stream's first event: it is decoding
                }
                assertTrue(line != null, "the stream's first event");
                streamId = Fixture.JSON.readTree(line.substring(6)).get("id").asText();
                var admitted = Fixture.post(s.url("/v1/chat/completions"), request(QUESTIONS[1], 6, Map.of()));
                assertEquals(Fixture.ids(want.tokenIds()), tokens(admitted), "the tokens of dycoke run's path");
                newId = Fixture.json(admitted).get("id").asText();
                seen = List.copyOf(turns);
            }
            SchedulerTest.await(() -> Fixture.metric(s.server().metricsText(), "dycoke_running_sequences") == 0, "the stream left is cancelled");
        }
        List<String> pieces = new ArrayList<>();
        int turnsWithPieces = 0;
        boolean inTurn = false;
        for (String t : seen) {
            if (t.startsWith("decode ")) {
                inTurn = false;
                continue;
            }
            String[] u = t.split(" ");
            if (!u[0].equals("vision") || !u[1].equals(newId)) continue;
            pieces.add(u[2]);
            if (!inTurn) turnsWithPieces++;
            inTurn = true;
        }
        assertTrue(turnsWithPieces > 5, "the vision tower's pieces spread over many turns: " + turnsWithPieces + " turns, " + pieces);
        assertTrue(pieces.size() > turnsWithPieces, "and several share a turn: " + pieces.size() + " pieces in " + turnsWithPieces + " turns");
        assertEquals("embed", pieces.getFirst());
        assertEquals("merge-out", pieces.getLast());
        assertTrue(pieces.containsAll(List.of("qkv", "attend", "attend-full", "out", "fc1", "fc2", "merge")), pieces.toString());
        int first = seen.indexOf("vision " + newId + " embed"), last = seen.lastIndexOf("vision " + newId + " merge-out");
        List<String> between = seen.subList(first, last).stream().filter(t -> t.startsWith("decode ")).toList();
        assertTrue(between.size() >= turnsWithPieces - 1, "decode steps between the video's turns: " + seen.subList(first, last + 1));
        for (String d : between) assertTrue(List.of(d.split(" ")).contains(streamId), "the stream decodes in every turn: " + d);
    }

    /**
     * The page's thumbnails of a Qwen2.5-VL request's frames are the frames Qwen's sampler takes (rounded indices over
     * the file's frame times, whole pairs), not LLaVA-OneVision's uniform ones: on a 12-frame clip, 8 frames are frames
     * 0, 2, 3, 5, 6, 8, 9, 11 (LLaVA's 0, 1, 3, 4, 6, 7, 9, 11); a 5-frame clip gives 4 of the 8 asked for (LLaVA's: 5).
     */
    @Test
    void thumbnailsAreTheFramesQwensSamplerTakes(@TempDir Path dir) throws Exception {
        SyntheticClip.write(dir.resolve("twelve.mp4"), 64, 48, 12, 8);
        SyntheticClip.write(dir.resolve("five.mp4"), 64, 48, 5, 5);
        var c = Fixture.config();
        try (var s = Fixture.start(qa, new ServerConfig(c.host(), 0, c.modelName(), null, MediaPolicy.none().withLocalRoot(dir), c.maxFrames(),
                c.maxQueue(), 1, c.prefillChunk(), c.defaults()))) {
            String twelve = pick(s, "twelve.mp4"), five = pick(s, "five.mp4");
            List<RgbFrame> qwen = QwenVideoReader.read(dir.resolve("twelve.mp4"), QwenSampling.count(8), 2).frames();
            List<RgbFrame> uniform = new VideoFileSource(dir.resolve("twelve.mp4")).frames(8);
            int differ = 0;
            for (int i = 0; i < 8; i++) {
                HttpResponse<byte[]> r = thumbnail(s, twelve, i, 8);
                assertEquals(200, r.statusCode());
                assertArrayEquals(FrameThumbnails.jpeg(qwen.get(i)), r.body(), "thumbnail " + i + " is Qwen's sampled frame " + i);
                if (!Arrays.equals(FrameThumbnails.jpeg(uniform.get(i)), r.body())) differ++;
            }
            assertEquals(3, differ, "thumbnails 1, 3 and 5 are other frames than the uniform sampling's");
            assertEquals(200, thumbnail(s, five, 3, 8).statusCode());
            HttpResponse<byte[]> past = thumbnail(s, five, 4, 8);
            assertEquals(404, past.statusCode());
            assertTrue(new String(past.body(), StandardCharsets.UTF_8).contains("the video gives 4 sampled frames"), new String(past.body(), StandardCharsets.UTF_8));
        }
    }

    /** A kept map's row is a temporal step of two sampled frames: the page shows the first one's thumbnail. */
    @Test
    void theKeptMapShowsEachTemporalStepsFirstFrame() throws Exception {
        try (var s = server(qa, 4)) {
            var r = Fixture.post(s.url("/v1/chat/completions"), request(QUESTIONS[0], 2, Map.of("dycoke", Map.of("trace_kept", true))));
            assertEquals(200, r.statusCode(), r.body());
            JsonNode kept = Fixture.json(r).get("dycoke").get("kept");
            assertEquals(4, kept.get("frames").asInt(), "8 frames make 4 temporal steps: " + kept);
            assertEquals(Fixture.JSON.valueToTree(List.of(0, 2, 4, 6)), kept.get("thumbnails"), kept.toString());
        }
    }

    /** The id of local file {@code name}, picked through the page's API. */
    static String pick(Fixture.Running s, String name) throws Exception {
        HttpResponse<String> r = Fixture.post(s.url("/v1/dycoke/local-videos"), Fixture.JSON.createObjectNode().put("name", name).toString());
        assertEquals(200, r.statusCode(), r.body());
        return Fixture.json(r).get("id").asText();
    }

    static HttpResponse<byte[]> thumbnail(Fixture.Running s, String id, int index, int frames) throws Exception {
        return Fixture.HTTP.send(HttpRequest.newBuilder(URI.create(s.url("/v1/dycoke/videos/" + id + "/frames/" + index + "?frames=" + frames))).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
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
