package dev.dycoke4j.cli;

import dev.dycoke4j.hub.ModelFiles;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VisionOptions;
import dev.dycoke4j.server.Defaults;
import dev.dycoke4j.server.MediaPolicy;
import dev.dycoke4j.server.Server;
import dev.dycoke4j.server.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * {@code dycoke serve}: an OpenAI-compatible server for questions about videos, until the process is stopped (or the
 * thread running the command is interrupted, as tests do); running requests finish first.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve an OpenAI-compatible API (POST /v1/chat/completions with video_url parts, GET /v1/models, /health, /metrics).")
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Mixin
    PoolingHeadOptions poolingHead;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1", description = "The address to listen on (default: ${DEFAULT-VALUE}, loopback only).")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8000", description = "The port; 0 picks a free one, which the start-up line names (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--served-model-name", paramLabel = "NAME", description = "The model name clients give (default: the --model value).")
    String servedModelName;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Requests to /v1 must carry 'Authorization: Bearer KEY' (default: none).")
    String apiKey;

    @Option(names = "--allowed-local-media-path", paramLabel = "DIR", description = "file:// video URLs may name files below DIR (after resolving links); none by default.")
    Path localMedia;

    @Option(names = "--allowed-media-domains", paramLabel = "HOST", split = ",",
            description = "Hosts that http(s):// video URLs may fetch from (each address they resolve to must be public, unless the host is an IP address listed here); none by default.")
    List<String> domains;

    @Option(names = "--max-media-bytes", paramLabel = "N", defaultValue = "268435456", description = "The largest video a request may give or name, in bytes (default: ${DEFAULT-VALUE}).")
    long maxMediaBytes;

    @Option(names = "--max-frames", paramLabel = "N", defaultValue = "64", description = "The most frames a request may ask for (default: ${DEFAULT-VALUE}).")
    int maxFrames;

    @Option(names = "--max-queue", paramLabel = "N", defaultValue = "64", description = "Requests waiting for a place in the batch; more get HTTP 429 (default: ${DEFAULT-VALUE}).")
    int maxQueue;

    @Option(names = "--max-batch", paramLabel = "N", defaultValue = "8", description = "Requests running at once (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--prefill-chunk", paramLabel = "N", defaultValue = "256",
            description = "The most prompt tokens prefilled at once. A prefill within it (a text prompt, a question after a cached video prefix) runs whole "
                    + "even while answers are being decoded; a longer one's chunks are sized to the admission share (default: ${DEFAULT-VALUE}).")
    int prefillChunk;

    @Option(names = "--admission-share", paramLabel = "X", defaultValue = "1.0",
            description = "While answers are being decoded, the time each turn gives to admitting new requests (vision tower, prefill), "
                    + "as a share of a decode step's time: lower keeps running streams smoother, higher admits faster (default: ${DEFAULT-VALUE}).")
    double admissionShare;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    CompressOptions compress;

    @Mixin
    CacheOptions caches;

    @Mixin
    WeightOptions weights;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        common.apply();
        GenerationOptions gen = sampling.options();
        VisionOptions vision = sampling.byCountOnly("dycoke serve");
        var comp = compress.options();
        if (port < 0 || port > 65535) throw new UsageException("--port must be in 0..65535, got " + port);
        if (maxFrames < 1) throw new UsageException("--max-frames must be at least 1, got " + maxFrames);
        if (sampling.frames > maxFrames) throw new UsageException("--frames " + sampling.frames + " is above --max-frames " + maxFrames);
        if (maxQueue < 1) throw new UsageException("--max-queue must be at least 1, got " + maxQueue);
        if (maxBatch < 1) throw new UsageException("--max-batch must be at least 1, got " + maxBatch);
        if (prefillChunk < 1) throw new UsageException("--prefill-chunk must be at least 1, got " + prefillChunk);
        if (!(admissionShare > 0) || Double.isInfinite(admissionShare))
            throw new UsageException("--admission-share must be a positive number, got " + admissionShare);
        if (maxMediaBytes < 1) throw new UsageException("--max-media-bytes must be at least 1, got " + maxMediaBytes);
        if (localMedia != null && !Files.isDirectory(localMedia)) throw new UsageException(localMedia + ": --allowed-local-media-path is not a folder");
        MediaPolicy media;
        try {
            media = new MediaPolicy(localMedia, domains == null ? Set.of() : Set.copyOf(domains), maxMediaBytes, Duration.ofSeconds(10), Duration.ofSeconds(30));
        } catch (UncheckedIOException | IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        PrintWriter err = spec.commandLine().getErr();
        Consumer<String> log = line -> {
            synchronized (err) {
                err.println("dycoke serve: " + line);
                err.flush();
            }
        };
        Path dir = model.resolve(ModelFiles.Need.MODEL);
        try (VideoQa qa = Prologue.load(dir, model.model, weights.options(err))) {
            qa.progress(VideoQa.Progress.NONE); // no progress bar between a server's log lines
            caches.apply(qa);
            ServerConfig config = new ServerConfig(host, port, servedModelName != null ? servedModelName : model.model, apiKey, media,
                    maxFrames, maxQueue, maxBatch, prefillChunk, new Defaults(gen, vision, comp), admissionShare);
            // SigLIP's pooling head, for the requests that need the frame signals (fastvid): once, on first use
            serve(Server.start(qa, config, log, method -> poolingHead.load(method, dir, model.hub.env(Main.env(spec)), qa.model().config().vision(), err)));
        }
        return 0;
    }

    /** Serves until the JVM shuts down or this thread is interrupted; then shuts the server down gracefully. */
    private static void serve(Server server) {
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "dycoke-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                return; // the hook closes the server
            }
            server.close();
        }
    }
}
