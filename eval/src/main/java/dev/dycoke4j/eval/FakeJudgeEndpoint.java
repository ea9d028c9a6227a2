package dev.dycoke4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An OpenAI-compatible chat-completions endpoint on 127.0.0.1 that plays a script, one step per request, the last
 * step repeating: {@code {"status": 200, "content": text-or-null}} answers a chat completion with that message
 * content; {@code {"status": N, "body": text}} answers status N with that raw body. It records the request bodies.
 */
public final class FakeJudgeEndpoint implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final List<JsonNode> script;
    private final List<String> bodies = Collections.synchronizedList(new ArrayList<>());

    public FakeJudgeEndpoint(JsonNode script) throws IOException {
        if (script == null || !script.isArray() || script.isEmpty()) throw new IllegalArgumentException("a judge script needs at least one step");
        List<JsonNode> steps = new ArrayList<>();
        script.forEach(steps::add);
        this.script = steps;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The base address, e.g. {@code http://127.0.0.1:40123}. */
    public URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The bodies received so far, in order. */
    public List<String> requestBodies() {
        synchronized (bodies) {
            return List.copyOf(bodies);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int n;
            synchronized (bodies) {
                n = bodies.size();
                bodies.add(body);
            }
            JsonNode step = script.get(Math.min(n, script.size() - 1));
            int status = step.path("status").asInt(200);
            byte[] out;
            if (step.has("content")) {
                String model = "gpt-4o-mini";
                try {
                    model = JSON.readTree(body).path("model").asText(model);
                } catch (IOException ignored) {
                    // keep the default model name
                }
                ObjectNode reply = JSON.createObjectNode();
                reply.put("id", "chatcmpl-fake-" + n).put("object", "chat.completion").put("created", 0).put("model", model);
                ObjectNode choice = reply.putArray("choices").addObject();
                choice.put("index", 0);
                choice.putObject("message").put("role", "assistant").set("content", step.get("content"));
                choice.put("finish_reason", "stop");
                reply.putObject("usage").put("prompt_tokens", 0).put("completion_tokens", 0).put("total_tokens", 0);
                out = JSON.writeValueAsBytes(reply);
                ex.getResponseHeaders().set("Content-Type", "application/json");
            } else {
                out = step.path("body").asText("").getBytes(StandardCharsets.UTF_8);
            }
            ex.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(out);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
