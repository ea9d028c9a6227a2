package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * The client side of {@code dycoke bench serve}: streamed chat requests (Server-Sent Events, as an OpenAI client reads
 * them) over the JDK's HTTP client, each recording when it was sent, when each piece of text arrived and how many
 * tokens the server counted.
 */
final class ServeLoad {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One streamed request.
     *
     * @param sent     {@link System#nanoTime} when it was sent
     * @param arrivals when each piece of text arrived, in order (the first is the time to first token)
     * @param tokens   completion tokens, as the usage chunk counts them (-1 when the request failed)
     * @param error    the status and body of a failed request, or null
     */
    record Timing(long sent, List<Long> arrivals, int tokens, String error) {
        boolean ok() {
            return error == null && !arrivals.isEmpty();
        }

        double ttft() {
            return (arrivals.getFirst() - sent) / 1e9;
        }

        long end() {
            return arrivals.isEmpty() ? sent : arrivals.getLast();
        }

        /** The gaps between consecutive pieces of text, in seconds. */
        List<Double> gaps() {
            List<Double> g = new ArrayList<>();
            for (int i = 1; i < arrivals.size(); i++) g.add((arrivals.get(i) - arrivals.get(i - 1)) / 1e9);
            return g;
        }
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final URI chat;
    private final String model;

    ServeLoad(String address, String model) {
        this.chat = URI.create(address + "/v1/chat/completions");
        this.model = model;
    }

    /** A streamed chat request: the question, about {@code videoUrl} when given, of at most {@code maxTokens} tokens, with {@code frames} frames (0: the server's). */
    String body(String question, String videoUrl, int maxTokens, int frames) {
        ObjectNode root = JSON.createObjectNode();
        // every answer runs to max_tokens, as vLLM's serving benchmark asks
        root.put("model", model).put("max_tokens", maxTokens).put("ignore_eos", true).put("stream", true).putObject("stream_options").put("include_usage", true);
        ObjectNode msg = root.putArray("messages").addObject().put("role", "user");
        if (videoUrl == null) msg.put("content", question);
        else {
            var parts = msg.putArray("content");
            parts.addObject().put("type", "video_url").putObject("video_url").put("url", videoUrl);
            parts.addObject().put("type", "text").put("text", question);
        }
        if (frames > 0) root.putObject("dycoke").put("frames", frames);
        return root.toString();
    }

    /** Sends {@code body} and reads its events to the end; {@code arrived} hears of each piece of text as it comes. */
    Timing send(String body, Consumer<Long> arrived) {
        List<Long> arrivals = new ArrayList<>();
        long sent = System.nanoTime();
        try {
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(chat).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                if (r.statusCode() != 200) return new Timing(sent, arrivals, -1, "HTTP " + r.statusCode() + ": " + in.readLine());
                int tokens = -1;
                for (String line; (line = in.readLine()) != null; ) {
                    if (!line.startsWith("data: ") || line.equals("data: [DONE]")) continue;
                    long now = System.nanoTime();
                    JsonNode chunk = JSON.readTree(line.substring(6));
                    if (chunk.has("error")) return new Timing(sent, arrivals, -1, chunk.get("error").toString());
                    if (chunk.hasNonNull("usage")) tokens = chunk.get("usage").get("completion_tokens").asInt();
                    JsonNode choices = chunk.path("choices");
                    if (!choices.isEmpty() && !choices.get(0).path("delta").path("content").asText("").isEmpty()) {
                        arrivals.add(now);
                        if (arrived != null) arrived.accept(now);
                    }
                }
                return new Timing(sent, arrivals, tokens, tokens < 0 ? "no usage chunk" : null);
            }
        } catch (IOException e) {
            return new Timing(sent, arrivals, -1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Timing(sent, arrivals, -1, "interrupted");
        }
    }

    /** {@code bodies} sent by {@code clients} threads at once, each taking the next body when its last is answered. */
    List<Timing> run(List<String> bodies, int clients) throws InterruptedException {
        Timing[] out = new Timing[bodies.size()];
        int[] next = {0};
        CountDownLatch done = new CountDownLatch(clients);
        for (int c = 0; c < clients; c++) {
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        int i;
                        synchronized (next) {
                            if (next[0] == bodies.size()) return;
                            i = next[0]++;
                        }
                        out[i] = send(bodies.get(i), null);
                    }
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        return List.of(out);
    }
}
