package dev.dycoke4j.eval;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The judge's transport over the JDK's HTTP client, with the copy's headers (a bearer key, JSON content type). */
public final class HttpJudgeTransport implements Judge.Transport {
    private final HttpClient client;
    private final String apiKey;

    /** @param apiKey the key sent as {@code Authorization: Bearer ...} ({@code OPENAI_API_KEY}; the copy's default is "YOUR_API_KEY") */
    public HttpJudgeTransport(String apiKey) {
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(Judge.TIMEOUT_SECONDS)).build();
        this.apiKey = apiKey;
    }

    @Override
    public Judge.Reply post(URI url, String jsonBody, Duration timeout) throws IOException {
        HttpRequest req = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("Authorization", "Bearer " + apiKey)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(jsonBody, StandardCharsets.UTF_8))
                .build();
        try {
            HttpResponse<String> resp = client.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Judge.Reply(resp.statusCode(), resp.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the judge", e);
        }
    }
}
