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
 * them) over the JDK's HTTP client, with vLLM's {@code stream_options.continuous_usage_stats}, so that every chunk says
 * how many tokens the answer has: each request records when it was sent and when each chunk that brought tokens
 * arrived. Tokens are counted, not pieces of text, since a token may complete no text (a piece of a character's bytes).
 */
final class ServeLoad {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A chunk that brought tokens: when it arrived ({@link System#nanoTime}) and the answer's tokens with it. */
    record Arrival(long at, int tokens) {
    }

    /**
     * One streamed request.
     *
     * @param sent     {@link System#nanoTime} when it was sent
     * @param arrivals the chunks that brought tokens, in order (the first is the time to first token)
     * @param tokens   completion tokens, as the usage chunk counts them (-1 when the request failed)
     * @param error    the status and body of a failed request, or null
     */
    record Timing(long sent, List<Arrival> arrivals, int tokens, String error) {
        boolean ok() {
            return error == null && !arrivals.isEmpty();
        }

        /** When the first token arrived. */
        long firstToken() {
            return arrivals.getFirst().at();
        }

        double ttft() {
            return (firstToken() - sent) / 1e9;
        }

        long end() {
            return arrivals.isEmpty() ? sent : arrivals.getLast().at();
        }

        /** Tokens the chunks brought, which a complete stream makes equal to {@link #tokens}. */
        int counted() {
            return arrivals.isEmpty() ? 0 : arrivals.getLast().tokens();
        }

        /**
         * The inter-token latencies, in seconds: a chunk that brings k tokens after the one before counts k gaps of a
         * k-th of the time between them each (this server sends a chunk per token; vLLM's benchmark, which gets a chunk
         * per token from vLLM too, records a gap per chunk).
         */
        List<Double> gaps() {
            List<Double> g = new ArrayList<>();
            for (Gap x : intervals()) for (int k = 0; k < x.tokens(); k++) g.add(x.seconds() / x.tokens());
            return g;
        }

        /** The spans between consecutive chunks that brought tokens, each with its tokens. */
        List<Gap> intervals() {
            List<Gap> g = new ArrayList<>();
            for (int i = 1; i < arrivals.size(); i++)
                g.add(new Gap(arrivals.get(i - 1).at(), arrivals.get(i).at(), arrivals.get(i).tokens() - arrivals.get(i - 1).tokens()));
            return g;
        }
    }

    /** The span between two chunks ({@link System#nanoTime}), which brought {@code tokens} tokens. */
    record Gap(long from, long to, int tokens) {
        double seconds() {
            return (to - from) / 1e9;
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
        // every answer runs to max_tokens, as vLLM's serving benchmark asks; every chunk counts the tokens so far
        root.put("model", model).put("max_tokens", maxTokens).put("ignore_eos", true).put("stream", true).putObject("stream_options")
                .put("include_usage", true).put("continuous_usage_stats", true);
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

    /** Sends {@code body} and reads its events to the end; {@code arrived} hears of each chunk that brings tokens as it comes. */
    Timing send(String body, Consumer<Arrival> arrived) {
        List<Arrival> arrivals = new ArrayList<>();
        long sent = System.nanoTime();
        try {
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(chat).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                if (r.statusCode() != 200) return new Timing(sent, arrivals, -1, "HTTP " + r.statusCode() + ": " + in.readLine());
                int tokens = -1, sofar = 0;
                for (String line; (line = in.readLine()) != null; ) {
                    if (!line.startsWith("data: ") || line.equals("data: [DONE]")) continue;
                    long now = System.nanoTime();
                    JsonNode chunk = JSON.readTree(line.substring(6));
                    if (chunk.has("error")) return new Timing(sent, arrivals, -1, chunk.get("error").toString());
                    if (!chunk.hasNonNull("usage")) return new Timing(sent, arrivals, -1, "a chunk without usage: " + chunk);
                    int n = chunk.get("usage").get("completion_tokens").asInt();
                    if (chunk.path("choices").isEmpty()) tokens = n; // the usage chunk, the last
                    else if (n > sofar) {
                        sofar = n;
                        Arrival a = new Arrival(now, n);
                        arrivals.add(a);
                        if (arrived != null) arrived.accept(a);
                    }
                }
                if (tokens < 0) return new Timing(sent, arrivals, -1, "no usage chunk");
                if (sofar != tokens) return new Timing(sent, arrivals, tokens, "the chunks counted " + sofar + " tokens, the usage " + tokens);
                return new Timing(sent, arrivals, tokens, tokens == 0 ? "no token" : null);
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
