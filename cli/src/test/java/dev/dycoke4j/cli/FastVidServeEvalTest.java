package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.testing.FakeHub;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.testing.PoolingHeads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code fastvid} in {@code dycoke serve} and {@code dycoke eval run}: SigLIP's pooling head fetched by Hub id as
 * {@code run} fetches it (CliFastVidTest's fake hub and random head of the tiny tower's shape), once per process, and a
 * missing head said in one line: a 400 error object from the server, a problem line and exit code 1 from eval.
 */
class FastVidServeEvalTest {
    static final Path MODEL = Oracle.model();
    static final Path CLIP = Oracle.root().resolve("golden/clip.mkv");
    static final String Q = "What happens in this video?";
    static final String MISSING = "fastvid needs SigLIP's attention-pooling head, which LLaVA-OneVision checkpoints do not contain, and it is missing: "
            + "google/siglip-so400m-patch14-384: model.safetensors is not in the Hugging Face cache ";

    @TempDir
    Path tmp;

    Map<String, String> env(FakeHub hub) {
        return env(hub, tmp.resolve("hf"));
    }

    Map<String, String> env(FakeHub hub, Path cache) {
        Map<String, String> env = new HashMap<>();
        env.put("HF_HUB_CACHE", cache.toString());
        env.put("HF_ENDPOINT", hub == null ? "http://127.0.0.1:9" : hub.endpoint() + "/");
        if (hub == null) env.put("HF_HUB_OFFLINE", "1");
        return env;
    }

    FakeHub hubWithHead() throws Exception {
        FakeHub hub = new FakeHub();
        hub.add(PoolingHeadLoader.REPO, CliFastVidTest.COMMIT, Map.of("model.safetensors", PoolingHeads.file(PoolingHeads.weights(48, 96, 1), 48, tmp)));
        return hub;
    }

    /** A server run by {@code dycoke serve} on a free port, no compression by default. */
    record Serve(Thread thread, StringWriter err, int port) implements AutoCloseable {
        static Serve start(Map<String, String> env) throws InterruptedException {
            StringWriter out = new StringWriter(), err = new StringWriter();
            Thread t = new Thread(() -> Main.execute(new String[]{"serve", "--model", MODEL.toString(), "--port", "0", "--served-model-name", "tiny",
                    "--allowed-local-media-path", CLIP.getParent().toString(), "--frames", "8", "--max-new-tokens", "4"},
                    new PrintWriter(out, true), new PrintWriter(err, true), env));
            t.start();
            return new Serve(t, err, ServeCommandTest.awaitPort(err, t));
        }

        HttpResponse<String> fastvid(double ratio) throws Exception {
            ObjectNode body = new ObjectMapper().createObjectNode();
            body.put("model", "tiny");
            var content = body.putArray("messages").addObject().put("role", "user").putArray("content");
            content.addObject().put("type", "video_url").putObject("video_url").put("url", CLIP.toUri().toString());
            content.addObject().put("type", "text").put("text", Q);
            body.putObject("dycoke").put("compress", "fastvid").put("ratio", ratio);
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        }

        /** Interrupts the serve command, which then shuts the server down, and waits for it. */
        @Override
        public void close() {
            thread.interrupt();
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void theServerAnswersFastvidWithTheHeadLoadedOnce() throws Exception {
        try (FakeHub hub = hubWithHead()) {
            Cli run = Cli.run(env(hub, tmp.resolve("hf-run")), "run", "--model", MODEL.toString(), "--video", CLIP.toString(), "--frames", "8",
                    "--max-new-tokens", "4", "--prompt", Q, "--compress", "fastvid", "--ratio", "0.5", "--json");
            assertEquals(0, run.code(), run.err());
            JsonNode want = new ObjectMapper().readTree(run.out());
            assertEquals(1, hub.count("GET", "/cdn/"));
            try (Serve s = Serve.start(env(hub))) {
                assertEquals(1, hub.count("GET", "/cdn/"), "no head is fetched until a request needs it");
                HttpResponse<String> r = s.fastvid(0.5);
                assertEquals(200, r.statusCode(), r.body());
                JsonNode got = new ObjectMapper().readTree(r.body());
                assertEquals(want.get("token_ids"), got.get("dycoke").get("token_ids"));
                assertEquals(64, got.get("dycoke").get("visual_tokens_kept").asInt(), "int(16·0.5) = 8 per frame");
                assertEquals(2, hub.count("GET", "/cdn/"), "the head came by Hub id into the server's cache");
                deleteTree(tmp.resolve("hf")); // a second load would have to fetch it again
                HttpResponse<String> again = s.fastvid(0.25);
                assertEquals(200, again.statusCode(), again.body());
                assertEquals(32, new ObjectMapper().readTree(again.body()).get("dycoke").get("visual_tokens_kept").asInt());
                assertEquals(2, hub.count("GET", "/cdn/"), "the head is loaded once and shared");
            }
        }
    }

    static void deleteTree(Path dir) throws java.io.IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    @Test
    void theServerRefusesFastvidWithoutTheHeadInOneErrorObject() throws Exception {
        try (Serve s = Serve.start(env(null))) {
            HttpResponse<String> r = s.fastvid(0.5);
            assertEquals(400, r.statusCode(), r.body());
            JsonNode e = new ObjectMapper().readTree(r.body()).get("error");
            assertEquals("invalid_request_error", e.get("type").asText());
            assertEquals("dycoke.compress", e.get("param").asText());
            assertEquals(MISSING + tmp.resolve("hf") + ", and offline mode is on (HF_HUB_OFFLINE or --offline)", e.get("message").asText());
        }
    }

    private Path samples() throws Exception {
        String mme = "{\"task\": \"videomme\", \"doc_id\": 0, \"video\": \"" + CLIP + "\", \"doc\": {\"video_id\": \"101\", \"duration\": \"short\", "
                + "\"domain\": \"Knowledge\", \"sub_category\": \"Astronomy\", \"url\": \"u\", \"videoID\": \"Qx7Kp2mTn0a\", \"question_id\": \"101-1\", "
                + "\"task_type\": \"Object Recognition\", \"question\": \"Which planet?\", \"options\": [\"A. Mars.\", \"B. Jupiter.\", \"C. Saturn.\", \"D. Venus.\"], "
                + "\"answer\": \"B\"}}";
        Path f = tmp.resolve("samples.jsonl");
        Files.writeString(f, mme + "\n");
        return f;
    }

    private String[] eval(Path samples, Path out) {
        return new String[]{"eval", "run", "--model", MODEL.toString(), "--samples", samples.toString(), "--tasks", "videomme", "--methods", "none,fastvid",
                "--ratios", "0.5", "--frames", "8", "--max-new-tokens", "2", "--out", out.toString(), "--json"};
    }

    @Test
    void evalRunsFastvidWithTheHeadByHubId() throws Exception {
        try (FakeHub hub = hubWithHead()) {
            Cli r = Cli.run(env(hub), eval(samples(), tmp.resolve("out")));
            assertEquals(0, r.code(), r.err());
            JsonNode results = new ObjectMapper().readTree(r.out()).path("results");
            assertEquals(2, results.size(), r.out());
            assertTrue(r.err().contains("dycoke eval: 2 predictions made, 0 already there"), r.err());
            assertEquals(1, hub.count("GET", "/cdn/"), "the checkpoint file is downloaded once");
        }
    }

    @Test
    void evalWithoutTheHeadIsOneLine() throws Exception {
        Cli r = Cli.run(env(null), eval(samples(), tmp.resolve("out")));
        assertEquals(1, r.code(), r.err());
        assertEquals("dycoke: " + MISSING + tmp.resolve("hf") + ", and offline mode is on (HF_HUB_OFFLINE or --offline)", r.problem());
    }
}
