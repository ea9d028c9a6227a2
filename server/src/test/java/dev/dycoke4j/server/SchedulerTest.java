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
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
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
            // The tiny model can write all its tokens before a starved HTTP thread sees the client go: pace the steps
            s.server().turns(t -> {
                if (t.startsWith("decode")) LockSupport.parkNanos(2_000_000);
            });
            String body = Fixture.chat(Fixture.fileUrl(dir.resolve("a.mp4")), "Tell me everything.", 3500,
                    Map.of("stream", true, "dycoke", Map.of("frames", 4))).toString();
            // a raw socket, closed after three events: the client surely leaves (a pooled HttpClient connection may not)
            URI u = URI.create(s.url("/v1/chat/completions"));
            byte[] payload = body.getBytes(StandardCharsets.UTF_8);
            try (java.net.Socket sock = new java.net.Socket(u.getHost(), u.getPort())) {
                String head = "POST " + u.getPath() + " HTTP/1.1\r\nHost: " + u.getHost() + ":" + u.getPort()
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + payload.length + "\r\nConnection: close\r\n\r\n";
                sock.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
                sock.getOutputStream().write(payload);
                sock.getOutputStream().flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(sock.getInputStream(), StandardCharsets.UTF_8));
                assertTrue(in.readLine().contains(" 200 "), "status line");
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

    /** Milliseconds of the test clock each kind of unit costs (prefill: per chunk and per row), and a decode step. */
    static final long MS = 1_000_000, DECODE = 100 * MS, PREFILL = 5 * MS, PREFILL_ROW = 2 * MS;
    static final Map<String, Long> VISION = Map.of("embed", 10 * MS, "qkv", 30 * MS, "saliency", 15 * MS, "attend", 20 * MS, "out", 10 * MS,
            "fc1", 40 * MS, "fc2", 40 * MS, "project", 10 * MS);

    /** What the unit {@code turn} names costs on the test clock. */
    static long cost(String turn) {
        String[] t = turn.split(" ");
        return switch (t[0]) {
            case "decode" -> DECODE;
            case "prefill" -> PREFILL + PREFILL_ROW * Integer.parseInt(t[2]);
            case "vision" -> VISION.get(t[2]);
            default -> 10 * MS; // lookup, start
        };
    }

    /** A config for the clocked tests: videos at 8 frames in vision batches of 2, {@code prefillChunk} and {@code share}. */
    static ServerConfig clocked(int prefillChunk, double share) {
        var c = Fixture.config();
        var defaults = new Defaults(c.defaults().generation(), new dev.dycoke4j.pipeline.VisionOptions(8, 2), c.defaults().compression());
        return new ServerConfig(c.host(), 0, c.modelName(), null, MediaPolicy.none().withLocalRoot(dir), c.maxFrames(), 64, 4, prefillChunk, defaults, share);
    }

    /**
     * Two streams about a.mp4 decoding together on a server whose clock only the turns advance, each by what its kind
     * of unit costs; the turns go to {@code turns} after {@code hook} heard them (on the engine thread, before the
     * unit runs). The streams' readers are to be closed by the caller.
     */
    static List<BufferedReader> twoStreams(Fixture.Running s, List<String> turns, java.util.function.Consumer<String> hook) throws Exception {
        AtomicLong now = new AtomicLong();
        s.server().clock(now::get);
        s.server().turns(t -> {
            hook.accept(t);
            turns.add(t);
            now.addAndGet(cost(t));
        });
        List<BufferedReader> streams = new ArrayList<>();
        for (String q : new String[]{"Tell me everything.", "Describe the ball."}) {
            String body = Fixture.chat(Fixture.fileUrl(dir.resolve("a.mp4")), q, 3500, Map.of("stream", true, "ignore_eos", true)).toString();
            HttpResponse<InputStream> r = Fixture.HTTP.send(HttpRequest.newBuilder(URI.create(s.url("/v1/chat/completions")))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
            streams.add(in);
            for (String line; (line = in.readLine()) != null && !line.startsWith("data: {"); ) {
                // until the stream's first event: it is decoding
            }
        }
        await(() -> turns.stream().anyMatch(t -> t.startsWith("decode ") && t.split(" ").length == 3), "both streams decode together");
        return streams;
    }

    /** The turns between decode steps that run units of request {@code id}, each its units in order. */
    static List<List<String>> turnsOf(List<String> seen, String id) {
        List<List<String>> out = new ArrayList<>();
        List<String> units = new ArrayList<>();
        for (String t : seen) {
            if (t.startsWith("decode ")) {
                if (!units.isEmpty()) out.add(units);
                units = new ArrayList<>();
            } else if (t.split(" ")[1].equals(id)) units.add(t);
        }
        if (!units.isEmpty()) out.add(units);
        return out;
    }

    /** A text-only chat request of {@code maxTokens} tokens. */
    static String textRequest(String question, int maxTokens) {
        var root = Fixture.JSON.createObjectNode().put("model", Fixture.NAME).put("max_tokens", maxTokens);
        root.putArray("messages").addObject().put("role", "user").put("content", question);
        return root.toString();
    }

    /**
     * A new video admitted while two streams decode, timed by a clock that only the turns advance, each by what its kind
     * of unit costs (a decode step 100 ms): the video's long work (vision pieces, the chunks of a prefill longer than
     * one chunk) runs between the streams' decode steps, each turn's long work stops at its budget (the default share:
     * one decode step's time), at most one unit past it, and several units share a turn; the video's answer is the one
     * it gets alone.
     */
    @Test
    void aVideoAdmittedWhileTwoStreamsDecodeStaysWithinEachTurnsBudgetAndGetsItsAnswer() throws Exception {
        // chunks of 16 rows: the video's prompt (about a hundred rows) is a long prefill
        ServerConfig config = clocked(16, ServerConfig.DEFAULT_ADMISSION_SHARE);
        assertEquals(1.0, config.admissionShare(), "the default share");
        String video = Fixture.chat(Fixture.fileUrl(dir.resolve("b.mp4")), "What?", 6, Map.of("dycoke", Map.of("compress", "uniform", "ratio", 0.5)))
                .toString();
        JsonNode single;
        try (var s = Fixture.start(alone, config)) {
            single = tokens(Fixture.post(s.url("/v1/chat/completions"), video));
        }
        qa.clearCaches(); // the video is new to the server: its vision tower runs
        List<String> turns = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> seen;
        String newId;
        try (var s = Fixture.start(qa, config)) {
            List<BufferedReader> streams = twoStreams(s, turns, t -> { });
            try {
                var admitted = Fixture.post(s.url("/v1/chat/completions"), video);
                assertEquals(single, tokens(admitted), "the answer it gets alone");
                assertTrue(Fixture.json(admitted).get("usage").get("prompt_tokens").asInt() > 16, "a long prefill");
                newId = Fixture.json(admitted).get("id").asText();
                seen = List.copyOf(turns);
                assertTrue(Fixture.metric(s.server().metricsText(), "dycoke_admission_time_seconds_count") > 10, "the turns' admission times");
            } finally {
                for (BufferedReader in : streams) in.close();
            }
            await(() -> Fixture.metric(s.server().metricsText(), "dycoke_running_sequences") == 0, "the streams left are cancelled");
        }
        int first = -1, last = -1;
        for (int i = 0; i < seen.size(); i++)
            if (!seen.get(i).startsWith("decode ") && seen.get(i).split(" ")[1].equals(newId)) {
                if (first < 0) first = i;
                last = i;
            }
        assertTrue(first > 0 && seen.get(first).equals("lookup " + newId), seen.subList(Math.max(0, first), seen.size()).toString());
        long budget = DECODE; // the share, 1.0, of the last decode step
        int turnsWithUnits = 0, fuller = 0;
        List<String> unitsOfTurn = new ArrayList<>();
        for (String t : seen.subList(first, last + 2)) {
            if (!t.startsWith("decode ")) {
                // its lookup and start are short work, outside the budget
                if (!t.startsWith("lookup ") && !t.startsWith("start ")) unitsOfTurn.add(t);
                continue;
            }
            assertTrue(t.split(" ").length >= 3, "both streams decode in every turn while the video is admitted: " + t);
            if (unitsOfTurn.isEmpty()) continue; // its next frames were still being decoded
            long beforeLast = 0;
            for (String u : unitsOfTurn.subList(0, unitsOfTurn.size() - 1)) beforeLast += cost(u);
            assertTrue(beforeLast < budget, "a turn's units before its last fit the budget: " + unitsOfTurn);
            turnsWithUnits++;
            if (unitsOfTurn.size() > 1) fuller++;
            unitsOfTurn.clear();
        }
        assertTrue(turnsWithUnits > 10, "the video's units spread over many turns: " + turnsWithUnits);
        assertTrue(fuller > turnsWithUnits / 2, "most turns run several units: " + fuller + " of " + turnsWithUnits);
        assertTrue(seen.subList(first, last + 1).stream().filter(t -> t.startsWith("prefill " + newId)).count() > 1,
                "its long prefill is chunked into the turns too");
    }

    /**
     * A text question arriving while a new video's vision tower runs between two streams' decode steps, on the test
     * clock with a tight budget (a fifth of a decode step): its start and its whole prefill run in the next turn, as one
     * unit each, and it decodes from the turn after while the video is still being admitted: it does not wait behind the
     * video's long work, nor is its short prefill cut into chunks.
     */
    @Test
    void aTextQuestionArrivingWhileAVideoIsAdmittedIsPrefilledWholeInTheNextTurn() throws Exception {
        ServerConfig config = clocked(256, 0.2);
        qa.clearCaches();
        String video = Fixture.chat(Fixture.fileUrl(dir.resolve("b.mp4")), "What?", 4, Map.of()).toString();
        String text = textRequest("Write a short story about a red ball that rolls down a hill.", 4);
        List<String> turns = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.CountDownLatch paused = new java.util.concurrent.CountDownLatch(1);
        int[] pausedAt = {-1};
        try (var s = Fixture.start(qa, config); ExecutorService pool = Executors.newFixedThreadPool(2)) {
            // the video's first vision piece holds the engine until the text question is queued: it arrives mid-admission
            List<BufferedReader> streams = twoStreams(s, turns, t -> {
                if (t.startsWith("vision ") && armed.compareAndSet(true, false)) {
                    pausedAt[0] = turns.size();
                    paused.countDown();
                    for (int i = 0; i < 60_000 && Fixture.metric(s.server().metricsText(), "dycoke_queue_depth") < 1; i++) LockSupport.parkNanos(1_000_000);
                }
            });
            try {
                armed.set(true);
                Future<HttpResponse<String>> v = pool.submit(() -> Fixture.post(s.url("/v1/chat/completions"), video));
                assertTrue(paused.await(60, java.util.concurrent.TimeUnit.SECONDS), "the video's vision tower started");
                Future<HttpResponse<String>> t = pool.submit(() -> Fixture.post(s.url("/v1/chat/completions"), text));
                JsonNode textAnswer = Fixture.json(t.get()), videoAnswer = Fixture.json(v.get());
                String textId = textAnswer.get("id").asText(), videoId = videoAnswer.get("id").asText();
                int rows = textAnswer.get("usage").get("prompt_tokens").asInt();
                List<String> seen = List.copyOf(turns), after = seen.subList(pausedAt[0], seen.size());
                List<List<String>> its = turnsOf(after, textId);
                assertEquals(List.of("start " + textId, "prefill " + textId + " " + rows), its.getFirst(), "its start and whole prefill in one turn: " + its);
                int startAt = after.indexOf("start " + textId);
                assertTrue(after.subList(0, startAt).stream().filter(x -> x.startsWith("decode ")).count() <= 1,
                        "at most the paused turn's decode step before it: " + after.subList(0, startAt + 1));
                int firstDecode = -1;
                for (int i = startAt; i < after.size() && firstDecode < 0; i++) if (after.get(i).startsWith("decode ") && after.get(i).contains(" " + textId)) firstDecode = i;
                assertTrue(firstDecode > 0 && after.subList(startAt, firstDecode).stream().noneMatch(x -> x.startsWith("decode ")),
                        "it decodes in the same turn's step: " + after.subList(startAt, Math.min(after.size(), startAt + 10)));
                assertTrue(after.subList(firstDecode, after.size()).stream().anyMatch(x -> !x.startsWith("decode ") && x.split(" ")[1].equals(videoId)),
                        "the video was still being admitted");
            } finally {
                for (BufferedReader in : streams) in.close();
            }
        }
    }

    /**
     * With nothing decoding, a new video's admission runs unbudgeted, but a text question arriving meanwhile does not
     * wait for the rest of its vision tower: the video yields after its current unit, the text question's start and
     * whole prefill run in the next turn, and the video's remaining units then share the turns with its decode steps.
     */
    @Test
    void withNothingDecodingAVideoBeingAdmittedYieldsToATextQuestion() throws Exception {
        ServerConfig config = clocked(256, 1.0);
        qa.clearCaches();
        String video = Fixture.chat(Fixture.fileUrl(dir.resolve("b.mp4")), "What?", 4, Map.of()).toString();
        String text = textRequest("Write a short story about a red ball that rolls down a hill.", 4);
        List<String> turns = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch paused = new java.util.concurrent.CountDownLatch(1);
        AtomicLong now = new AtomicLong();
        try (var s = Fixture.start(qa, config); ExecutorService pool = Executors.newFixedThreadPool(2)) {
            s.server().clock(now::get);
            s.server().turns(t -> {
                if (t.startsWith("vision ") && paused.getCount() > 0) { // the video's first piece waits until the text question is queued
                    paused.countDown();
                    for (int i = 0; i < 60_000 && Fixture.metric(s.server().metricsText(), "dycoke_queue_depth") < 1; i++) LockSupport.parkNanos(1_000_000);
                }
                turns.add(t);
                now.addAndGet(cost(t));
            });
            Future<HttpResponse<String>> v = pool.submit(() -> Fixture.post(s.url("/v1/chat/completions"), video));
            assertTrue(paused.await(60, java.util.concurrent.TimeUnit.SECONDS), "the video's vision tower started");
            Future<HttpResponse<String>> t = pool.submit(() -> Fixture.post(s.url("/v1/chat/completions"), text));
            JsonNode textAnswer = Fixture.json(t.get()), videoAnswer = Fixture.json(v.get());
            String textId = textAnswer.get("id").asText(), videoId = videoAnswer.get("id").asText();
            int rows = textAnswer.get("usage").get("prompt_tokens").asInt();
            List<String> seen = List.copyOf(turns);
            int firstVision = -1;
            for (int i = 0; i < seen.size() && firstVision < 0; i++) if (seen.get(i).startsWith("vision " + videoId)) firstVision = i;
            int startAt = seen.indexOf("start " + textId);
            assertEquals(List.of("vision", "start " + textId, "prefill " + textId + " " + rows),
                    List.of(seen.get(firstVision).split(" ")[0], seen.get(startAt), seen.get(startAt + 1)), seen.toString());
            assertTrue(startAt - firstVision <= 2, "the video yielded after its piece: " + seen.subList(firstVision, startAt + 2));
            assertTrue(seen.subList(startAt, seen.size()).stream().filter(x -> x.startsWith("vision " + videoId)).count() > 5,
                    "most of its vision tower came after: " + seen);
            assertTrue(seen.subList(startAt, seen.size()).stream().anyMatch(x -> x.startsWith("decode ") && x.contains(textId)), seen.toString());
        }
    }

    /**
     * A follow-up question about a video already asked about, arriving while two streams decode, on the test clock with
     * a tight budget: its cache lookup (a hit), its start (the prefix restored) and the prefill of the rest of its
     * prompt run in one turn, the prefill as one unit of exactly the rows the prefix did not hold.
     */
    @Test
    void aFollowUpAfterACachedPrefixIsPrefilledInOneTurn() throws Exception {
        ServerConfig config = clocked(256, 0.2);
        qa.clearCaches();
        String url = Fixture.fileUrl(dir.resolve("b.mp4"));
        List<String> turns = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (var s = Fixture.start(qa, config)) {
            assertEquals(200, Fixture.post(s.url("/v1/chat/completions"), Fixture.chat(url, "What?", 3, Map.of()).toString()).statusCode());
            List<BufferedReader> streams = twoStreams(s, turns, t -> { });
            try {
                JsonNode f = Fixture.json(Fixture.post(s.url("/v1/chat/completions"), Fixture.chat(url, "And then what happens to the ball?", 3, Map.of()).toString()));
                String id = f.get("id").asText();
                int prefix = f.get("dycoke").get("prefix_cached_tokens").asInt(), prompt = f.get("usage").get("prompt_tokens").asInt();
                assertTrue(prefix > 0 && f.get("dycoke").get("vision_cached").asBoolean(), "the video's features and prefix came from the caches: " + f.get("dycoke"));
                List<List<String>> its = turnsOf(List.copyOf(turns), id);
                assertEquals(List.of("lookup " + id, "start " + id, "prefill " + id + " " + (prompt - prefix)), its.getFirst(), "one turn: " + its);
                assertEquals(1, its.size(), "nothing of it left for later turns: " + its);
            } finally {
                for (BufferedReader in : streams) in.close();
            }
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
