package dev.dycoke4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.pipeline.Answer;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VisionOptions;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.video.VideoFileSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** The tiny oracle model and clip, a server on loopback, and raw HTTP requests to it. */
final class Fixture {
    static final Path MODEL = Oracle.model();
    static final Path CLIP = Oracle.root().resolve("golden/clip.mkv");
    static final String NAME = "tiny-llava-ov";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    private Fixture() {
    }

    /** Loopback, a free port, the oracle's folder allowed for file:// URLs, 8 frames, greedy, 8 tokens. */
    static ServerConfig config() {
        ServerConfig c = ServerConfig.loopback(NAME);
        return new ServerConfig(c.host(), 0, NAME, null, MediaPolicy.none().withLocalRoot(CLIP.getParent()), 16, 64, 8, 256,
                new Defaults(GenerationOptions.greedy(8), VisionOptions.of(8), CompressionMethods.none()));
    }

    /** A running server and the lines it logged. */
    record Running(Server server, List<String> log) implements AutoCloseable {
        String url(String path) {
            return server.address() + path;
        }

        @Override
        public void close() {
            server.close();
        }
    }

    static Running start(VideoQa qa, ServerConfig config) {
        List<String> log = new CopyOnWriteArrayList<>();
        return new Running(Server.start(qa, config, log::add), log);
    }

    /** The library's answer, as {@code dycoke run} computes it: the video through the caches' path, one session. */
    static Answer library(VideoQa qa, Path video, int frames, String question, int maxTokens, CompressionMethod comp) {
        return library(qa, video, frames, question, GenerationOptions.greedy(maxTokens), comp);
    }

    static Answer library(VideoQa qa, Path video, int frames, String question, GenerationOptions gen, CompressionMethod comp) {
        return qa.open(new VideoFileSource(video), new VisionOptions(frames, VisionOptions.DEFAULT_BATCH), comp).ask(question, gen, null);
    }

    /** A chat request about {@code url}, with {@code extra} fields merged in. */
    static ObjectNode chat(String url, String question, int maxTokens, Map<String, Object> extra) {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", NAME);
        root.put("max_tokens", maxTokens);
        ObjectNode msg = root.putArray("messages").addObject();
        msg.put("role", "user");
        ArrayNode content = msg.putArray("content");
        content.addObject().put("type", "text").put("text", question);
        content.addObject().put("type", "video_url").putObject("video_url").put("url", url);
        for (var e : extra.entrySet()) root.set(e.getKey(), JSON.valueToTree(e.getValue()));
        return root;
    }

    static String fileUrl(Path p) {
        return p.toAbsolutePath().toUri().toString();
    }

    static HttpResponse<String> post(String url, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String url, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body());
    }

    /** The token ids of an answer as a JSON array. */
    static JsonNode ids(int[] ids) {
        ArrayNode a = JSON.createArrayNode();
        for (int i : ids) a.add(i);
        return a;
    }

    /** The value of a metric line {@code name} (with its labels) in Prometheus text, or NaN. */
    static double metric(String text, String nameAndLabels) {
        for (String l : text.lines().toList())
            if (l.startsWith(nameAndLabels + " ")) return Double.parseDouble(l.substring(nameAndLabels.length() + 1).strip());
        return Double.NaN;
    }
}
