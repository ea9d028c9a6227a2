package dev.dycoke4j.eval;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The GPT judge of the judged tasks: an OpenAI-compatible chat-completions endpoint, how to reach it, and how to wait
 * between retries. The retry loops themselves are the tasks' (ActivityNet-QA and VideoDC differ), as in the copy.
 *
 * @param url       the endpoint the copy posts to ({@code OPENAI_API_URL}, by default OpenAI's chat completions)
 * @param model     the judge model ({@code gpt-4o-mini} in the copy)
 * @param transport how a request is sent
 * @param sleeper   how the copy's {@code time.sleep} between retries is done (tests skip it)
 * @param onRequest told of every request sent (the url, the exact JSON body and the timeout)
 */
public record Judge(URI url, String model, Transport transport, Sleeper sleeper, Consumer<Request> onRequest) {
    /** The copy's default endpoint. */
    public static final URI DEFAULT_URL = URI.create("https://api.openai.com/v1/chat/completions");
    /** The copy's judge model. */
    public static final String DEFAULT_MODEL = "gpt-4o-mini";
    /** The copy's {@code requests.post(..., timeout=60)}. */
    public static final int TIMEOUT_SECONDS = 60;
    /** The copy's {@code NUM_SECONDS_TO_SLEEP} between retries. */
    public static final int RETRY_SLEEP_SECONDS = 5;
    /** The copy's {@code retries=5}. */
    public static final int RETRIES = 5;

    public Judge {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(sleeper, "sleeper");
        if (onRequest == null) onRequest = r -> { };
    }

    /** An HTTP reply: status and body text. */
    public record Reply(int status, String body) {
    }

    /** A request as sent: url, the exact JSON body, timeout in seconds. */
    public record Request(URI url, String body, int timeoutSeconds) {
    }

    /** Sends one POST; an IOException stands for requests' {@code RequestException} (connection refused, timeout). */
    @FunctionalInterface
    public interface Transport {
        Reply post(URI url, String jsonBody, Duration timeout) throws IOException;
    }

    /** Python's {@code time.sleep(seconds)}. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(int seconds);

        /** Really sleeps. */
        Sleeper REAL = seconds -> {
            try {
                Thread.sleep(seconds * 1000L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting to retry the judge", e);
            }
        };
    }

    /** Posts the payload once, as {@code requests.post(API_URL, json=payload, timeout=60)}. */
    Reply post(String jsonBody) throws IOException {
        onRequest.accept(new Request(url, jsonBody, TIMEOUT_SECONDS));
        return transport.post(url, jsonBody, Duration.ofSeconds(TIMEOUT_SECONDS));
    }
}
