package dev.dycoke4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.pipeline.VideoQa;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.function.Consumer;

/**
 * The OpenAI-compatible HTTP server: {@code POST /v1/chat/completions} (whole answers and Server-Sent Events),
 * {@code GET /v1/models}, {@code GET /health} and {@code GET /metrics}, and the web page with its API
 * ({@link WebRoutes}). HTTP requests run on virtual threads, which parse, fetch the media and wait on their request's
 * events; the model is the {@link Scheduler}'s alone.
 */
public final class Server implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom IDS = new SecureRandom();

    private final ServerConfig config;
    private final Consumer<String> log;
    private final ServerMetrics metrics = new ServerMetrics();
    private final Scheduler scheduler;
    private final FrameSignalHead head;
    private final AnswerWriter answers;
    private final MediaFetcher media;
    private final Path tempDir;
    private final long maxBody;
    private final ApiKey apiKey;
    private final long created = System.currentTimeMillis() / 1000;
    private final Javalin app;
    /** Chat requests whose HTTP thread has not returned yet: shutdown waits for them to write their last bytes. */
    private final java.util.concurrent.Phaser inFlight = new java.util.concurrent.Phaser(1);

    private Server(VideoQa qa, ServerConfig config, Consumer<String> log, PoolingHeadSource heads) throws IOException {
        this.config = config;
        this.head = new FrameSignalHead(qa, heads);
        head.ensure(config.defaults().compression()); // a default method that needs the head: missing is a start-up error
        this.log = log;
        this.apiKey = config.apiKey() == null ? null : new ApiKey(config.apiKey());
        this.tempDir = Files.createTempDirectory("dycoke-serve-");
        // a data: URL of the largest video, in base64, and room for the rest of the request
        this.maxBody = Math.max(1L << 20, config.media().maxBytes() / 3 * 4 + (256 << 10));
        VideoStore videos = new VideoStore(config.media(), tempDir);
        this.media = new MediaFetcher(config.media(), tempDir, videos, log);
        WebRoutes web = new WebRoutes(config, videos, new FrameThumbnails(log, qa), this::authorize);
        this.scheduler = new Scheduler(qa, config, metrics, log);
        this.answers = new AnswerWriter(config.modelName(), scheduler);
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.concurrency.useVirtualThreads = true;
            cfg.http.compressionStrategy = CompressionStrategy.NONE;
            cfg.http.maxRequestSize = maxBody;
            cfg.jetty.host = config.host();
            cfg.jetty.port = config.port();
            cfg.routes.post("/v1/chat/completions", this::chat);
            cfg.routes.get("/v1/models", this::models);
            cfg.routes.get("/health", this::health);
            web.install(cfg);
            cfg.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
            cfg.routes.exception(ApiError.class, (e, ctx) -> send(ctx, e));
            cfg.routes.exception(HttpResponseException.class, (e, ctx) -> send(ctx, new ApiError(e.getStatus(), "invalid_request_error", null, null,
                    e.getStatus() == 404 ? "no such endpoint: " + ctx.path() : "the request failed with HTTP " + e.getStatus())));
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                log.accept("request failed: " + e);
                send(ctx, ApiError.internal());
            });
            cfg.routes.error(404, ctx -> {
                if (ctx.result() == null) send(ctx, ApiError.notFound(ctx.path()));
            });
        });
    }

    /**
     * Starts serving {@code qa} as {@code config} says; one line per request and the start-up line go to {@code log}.
     *
     * @throws IllegalStateException when the address can't be bound
     */
    public static Server start(VideoQa qa, ServerConfig config, Consumer<String> log) {
        return start(qa, config, log, PoolingHeadSource.NONE);
    }

    /**
     * As {@link #start(VideoQa, ServerConfig, Consumer)}, with SigLIP's pooling head from {@code heads} for the methods
     * that need the frame signals (FastVID): loaded at start when the default method needs it, else by the first request
     * that does; a request for such a method while the head is missing gets a 400 saying so.
     *
     * @throws RuntimeException {@code heads}'s, when the default method needs the head and it is missing
     */
    public static Server start(VideoQa qa, ServerConfig config, Consumer<String> log, PoolingHeadSource heads) {
        Server s;
        try {
            s = new Server(qa, config, log, heads);
        } catch (IOException e) {
            throw new IllegalStateException("the server's temporary folder could not be made: " + e.getMessage(), e);
        }
        try {
            s.app.start();
        } catch (RuntimeException e) {
            s.scheduler.close();
            s.media.close();
            s.metrics.close();
            throw new IllegalStateException("the server could not listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        log.accept("serving " + config.modelName() + " at " + s.address() + " (OpenAI API at " + s.address() + "/v1)");
        return s;
    }

    /** The port it listens on (the free one picked for port 0). */
    public int port() {
        return app.port();
    }

    /** {@code http://host:port}. */
    public String address() {
        String h = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return "http://" + h + ":" + port();
    }

    private void chat(Context ctx) throws Exception {
        inFlight.register();
        try {
            answer(ctx);
        } finally {
            inFlight.arriveAndDeregister();
        }
    }

    private void answer(Context ctx) throws Exception {
        String id = "chatcmpl-" + HexFormat.of().formatHex(randomBytes());
        long arrived = System.nanoTime();
        Job job;
        try {
            authorize(ctx);
            JsonNode body = body(ctx);
            boolean traceKept = TokenTrace.takeFlag(body);
            ChatRequest r = ChatRequest.parse(body, config);
            head.ensureFor(r.compression());
            Media m = r.videoUrl() == null ? Media.NONE : media.fetch(r.videoUrl(), r.videoParam());
            job = new Job(id, r, m, arrived, new TokenTrace(traceKept));
            try {
                scheduler.submit(job);
            } catch (ApiError e) {
                m.close();
                throw e;
            }
        } catch (ApiError e) {
            metrics.request(e.status());
            log.accept(RequestLog.line(id, -1, -1, -1, 0, e.status()));
            throw e;
        }
        try {
            if (job.request.stream()) answers.stream(ctx, job);
            else answers.whole(ctx, job);
        } finally {
            job.media.close();
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[12];
        IDS.nextBytes(b);
        return b;
    }

    private void models(Context ctx) {
        authorize(ctx);
        ObjectNode root = JSON.createObjectNode();
        root.put("object", "list");
        ObjectNode m = root.putArray("data").addObject();
        m.put("id", config.modelName());
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "dycoke4j");
        ctx.contentType("application/json").result(root.toString());
    }

    private void health(Context ctx) {
        boolean up = scheduler.accepting();
        ctx.status(up ? 200 : 503).contentType("application/json").result(up ? "{\"status\":\"ok\"}" : "{\"status\":\"shutting down\"}");
    }

    /** The request body as JSON, read up to the cap: a larger one is a 413 before it is all read. */
    private JsonNode body(Context ctx) throws IOException {
        long declared = ctx.req().getContentLengthLong();
        if (declared > maxBody) throw ApiError.tooLarge(null, "the request body is larger than the server's cap of " + maxBody + " bytes");
        byte[] bytes;
        try (InputStream in = ctx.req().getInputStream()) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBody + 1));
        }
        if (bytes.length > maxBody) throw ApiError.tooLarge(null, "the request body is larger than the server's cap of " + maxBody + " bytes");
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw ApiError.invalid(null, "the request body is not valid JSON");
        }
    }

    private void authorize(Context ctx) {
        if (apiKey != null && !apiKey.accepts(ctx.header("Authorization"))) throw ApiError.unauthorized();
    }

    private void send(Context ctx, ApiError e) {
        if (e.status() == 401) ctx.header("WWW-Authenticate", "Bearer");
        ctx.status(e.status()).contentType("application/json").result(e.json().toString());
    }

    /** Where fetched and decoded media wait while their request runs (for tests). */
    Path tempDir() {
        return tempDir;
    }

    /** Listens to the engine's units of work (for tests; see {@link Scheduler#turns}). */
    void turns(Consumer<String> listener) {
        scheduler.turns(listener);
    }

    /** Times the engine's units and decode steps by {@code nanos} (for tests; see {@link Scheduler#clock}). */
    void clock(java.util.function.LongSupplier nanos) {
        scheduler.clock(nanos);
    }

    /**
     * Holds admission (requests are queued, none starts) or lets it go on: for a benchmark that starts several streams
     * together, and for tests that need the queue to fill.
     */
    public void hold(boolean h) {
        scheduler.hold(h);
    }

    /** Requests waiting in the queue for a place in the batch. */
    public int queued() {
        return (int) metrics.queued.get();
    }

    /** The Prometheus text {@code /metrics} serves (for tests). */
    String metricsText() {
        return metrics.scrape();
    }

    /**
     * Shuts down gracefully: new requests get 503, queued ones too, admitted ones finish; then the HTTP server stops
     * and the temporary media go.
     */
    @Override
    public void close() {
        scheduler.close();
        try {
            inFlight.awaitAdvanceInterruptibly(inFlight.arrive(), 30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            log.accept("some responses were still being written after 30 s; stopping anyway");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        app.stop();
        media.close();
        metrics.close();
        try (var files = Files.list(tempDir)) {
            for (Path f : (Iterable<Path>) files::iterator) Files.deleteIfExists(f);
            Files.deleteIfExists(tempDir);
        } catch (IOException e) {
            log.accept("removing " + tempDir + " failed: " + e.getMessage());
        }
    }
}
