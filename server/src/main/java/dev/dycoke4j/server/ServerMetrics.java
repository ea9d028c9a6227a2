package dev.dycoke4j.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server's Prometheus figures ({@code GET /metrics}): requests by status, queue depth, running sequences, decode
 * batch sizes, time to first token and inter-token latency, the time each turn gives to admission, tokens in and out,
 * cache hits, and the KV bytes of the running sequences. The engine thread updates them; a scrape reads them from any thread.
 */
final class ServerMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final AtomicLong queued = new AtomicLong();
    final AtomicLong running = new AtomicLong();
    final AtomicLong kvBytes = new AtomicLong();
    private final DistributionSummary batch;
    private final Timer ttft, interToken, admission;
    private final Counter promptTokens, completionTokens, visionHits, prefixHits;
    /**
     * The collector's pauses and the heap's pools ({@code jvm_gc_pause_seconds}, {@code jvm_memory_used_bytes}, ...): a
     * full collection stops every stream, so its pauses belong next to the inter-token latency they add to.
     */
    private final JvmGcMetrics gc = new JvmGcMetrics();

    ServerMetrics() {
        Gauge.builder("dycoke.queue.depth", queued, AtomicLong::get).description("Requests waiting for a place in the batch").register(registry);
        Gauge.builder("dycoke.running.sequences", running, AtomicLong::get).description("Requests admitted: encoding, prefilling or decoding").register(registry);
        Gauge.builder("dycoke.kv.cache", kvBytes, AtomicLong::get).baseUnit("bytes")
                .description("KV cache bytes of the running sequences (positions held times bytes per position)").register(registry);
        batch = DistributionSummary.builder("dycoke.batch.size").description("Sequences in each decode step")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64).register(registry);
        ttft = Timer.builder("dycoke.time.to.first.token").description("From a request's arrival to its first token, queueing included")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10)).register(registry);
        interToken = Timer.builder("dycoke.inter.token.latency").description("Between two tokens of one answer")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(1)).register(registry);
        admission = Timer.builder("dycoke.admission.time")
                .description("Time each engine turn gave to admitting requests (vision, prefill) before its decode step")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10)).register(registry);
        promptTokens = Counter.builder("dycoke.prompt.tokens").description("Prompt tokens after compression").register(registry);
        completionTokens = Counter.builder("dycoke.completion.tokens").description("Tokens generated").register(registry);
        visionHits = Counter.builder("dycoke.cache.hits").tag("cache", "vision").description("Answers whose vision features came from the cache").register(registry);
        prefixHits = Counter.builder("dycoke.cache.hits").tag("cache", "prefix").description("Answers whose prompt prefix came from the cache").register(registry);
        for (int s : new int[]{200, 400, 401, 404, 413, 429, 499, 500, 503}) requests(s, 0);
        gc.bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
    }

    /** Stops listening to the collector's notifications. */
    @Override
    public void close() {
        gc.close();
    }

    void request(int status) {
        requests(status, 1);
    }

    private void requests(int status, double by) {
        Counter.builder("dycoke.requests").tag("status", Integer.toString(status)).description("Requests answered, by HTTP status (499: the client left)")
                .register(registry).increment(by);
    }

    void batch(int size) {
        batch.record(size);
    }

    void firstToken(long nanos) {
        ttft.record(Duration.ofNanos(nanos));
    }

    void interToken(long nanos) {
        interToken.record(Duration.ofNanos(nanos));
    }

    void admission(long nanos) {
        admission.record(Duration.ofNanos(nanos));
    }

    void tokens(int prompt, int completion) {
        promptTokens.increment(prompt);
        completionTokens.increment(completion);
    }

    void cacheHits(boolean vision, boolean prefix) {
        if (vision) visionHits.increment();
        if (prefix) prefixHits.increment();
    }

    /** The Prometheus text format. */
    String scrape() {
        return registry.scrape();
    }
}
