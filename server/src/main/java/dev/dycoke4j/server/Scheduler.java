package dev.dycoke4j.server;

import dev.dycoke4j.compress.InvalidOptionException;
import dev.dycoke4j.pipeline.Answer;
import dev.dycoke4j.pipeline.CompressStage;
import dev.dycoke4j.pipeline.CompressedVideo;
import dev.dycoke4j.pipeline.EncodedVideo;
import dev.dycoke4j.pipeline.Sequence;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VisionEncoding;
import dev.dycoke4j.pipeline.VisionOptions;
import dev.dycoke4j.video.VideoException;
import dev.dycoke4j.video.VideoFileSource;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;

/**
 * The one engine thread, which alone touches the model and its caches. Each turn of its loop admits queued requests
 * (first come, first served) up to the batch size, gives the oldest admitted request that is not yet decoding one unit
 * of work (one batch of its video's frames through the vision tower, or one chunk of its prefill: a new video delays
 * the running streams by one unit per token, not by its whole vision tower), then runs one decode step for every
 * sequence that is decoding, handing each waiting HTTP thread its token (and the text it completes) as the token is
 * chosen, before the step's model run. A sequence whose part of the step fails ends alone with a 500; the others go
 * on. A cancelled request is dropped at the top of the next turn, its sequence and KV cache with it. The
 * vision-feature and prefix caches are the {@link VideoQa}'s, shared by every request.
 */
final class Scheduler implements AutoCloseable {
    private final VideoQa qa;
    private final ServerConfig config;
    private final ServerMetrics metrics;
    private final Consumer<String> log;
    private final Object lock = new Object();
    private final Deque<Job> queue = new ArrayDeque<>();
    private final List<Job> running = new ArrayList<>();
    private boolean stopping;
    /** Whether admission is held (tests that need a full queue). */
    private boolean held;
    private final Thread engine;
    private volatile Consumer<String> turns;

    Scheduler(VideoQa qa, ServerConfig config, ServerMetrics metrics, Consumer<String> log) {
        this.qa = qa;
        this.config = config;
        this.metrics = metrics;
        this.log = log;
        this.engine = Thread.ofPlatform().name("dycoke-engine").daemon(false).start(this::loop);
    }

    /**
     * Queues {@code job}.
     *
     * @throws ApiError 429 when the queue is full, 503 when the server is shutting down
     */
    void submit(Job job) {
        synchronized (lock) {
            if (stopping) throw ApiError.unavailable();
            if (queue.size() >= config.maxQueue()) throw ApiError.queueFull(config.maxQueue());
            queue.addLast(job);
            metrics.queued.set(queue.size());
            lock.notifyAll();
        }
    }

    /** Cancels {@code job}: out of the queue at once, or out of the batch at the engine's next turn. */
    void cancel(Job job) {
        job.cancel();
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    /** Holds admission (queued requests stay queued) or lets it go on: for tests that need the queue to fill. */
    void hold(boolean h) {
        synchronized (lock) {
            held = h;
            lock.notifyAll();
        }
    }

    /** Whether the server takes requests. */
    boolean accepting() {
        synchronized (lock) {
            return !stopping;
        }
    }

    private void loop() {
        while (true) {
            synchronized (lock) {
                dropCancelledQueued();
                while ((queue.isEmpty() || held) && running.isEmpty() && !stopping) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        stopping = true;
                    }
                    dropCancelledQueued();
                }
                if (stopping && queue.isEmpty() && running.isEmpty()) break;
                while (!held && running.size() < config.maxBatch() && !queue.isEmpty()) running.add(queue.pollFirst());
                metrics.queued.set(queue.size());
            }
            reapCancelled();
            advanceOldest();
            decode();
            metrics.running.set(running.size());
            metrics.kvBytes.set(kvBytes());
        }
        metrics.running.set(0);
        metrics.kvBytes.set(0);
    }

    private void dropCancelledQueued() {
        for (Iterator<Job> it = queue.iterator(); it.hasNext(); ) {
            Job j = it.next();
            if (j.cancelled()) {
                it.remove();
                ended(j, 499, 0);
            }
        }
        metrics.queued.set(queue.size());
    }

    private void reapCancelled() {
        for (Iterator<Job> it = running.iterator(); it.hasNext(); ) {
            Job j = it.next();
            if (j.cancelled()) {
                it.remove();
                ended(j, 499, j.sequence == null ? 0 : j.sequence.tokens().length);
                j.sequence = null;
                j.closeEncoding();
            }
        }
    }

    /**
     * One unit of work for the oldest admitted request that is not decoding yet: a batch of its video's frames through
     * the vision tower (the first unit looks the video up in the cache; the last compresses it and starts the
     * sequence), or a prefill chunk.
     */
    private void advanceOldest() {
        for (Job j : running) {
            if (j.sequence != null && j.sequence.prefillDone()) continue;
            try {
                if (j.sequence == null) {
                    turn("vision", List.of(j));
                    start(j);
                } else {
                    turn("prefill", List.of(j));
                    j.sequence.prefill(config.prefillChunk());
                }
            } catch (RuntimeException | OutOfMemoryError e) {
                running.remove(j);
                fail(j, error(j, e));
            }
            return;
        }
    }

    /**
     * One unit of {@code j}'s video (see {@link VisionEncoding}); once it is encoded, compresses it and starts the
     * sequence. A request without a video starts its sequence at once.
     */
    private void start(Job j) {
        ChatRequest r = j.request;
        Consumer<String> out = piece -> j.pending.append(j.filter.push(piece));
        if (r.videoUrl() == null) {
            j.frames = 0;
            j.visualKept = 0;
            started(j, qa.answerStage().startText(r.messages(), r.generation(), out));
            return;
        }
        var comp = r.compression();
        if (j.encoding == null) {
            VisionOptions vo = r.vision().withSaliency(r.vision().saliency() || CompressStage.needsSaliency(comp))
                    .withFrameSignals(r.vision().frameSignals() || CompressStage.needsFrameSignals(comp));
            j.encoding = qa.visionStage().start(new VideoFileSource(j.media.file()), vo);
        }
        if (!j.encoding.step()) return;
        EncodedVideo encoded = j.encoding.result();
        j.encoding = null;
        CompressedVideo c = j.trace.watch(qa.compressStage().apply(encoded, comp));
        j.frames = c.frames();
        j.visualKept = c.kept().count();
        started(j, qa.answerStage().start(c, r.messages(), r.generation(), out));
    }

    /** {@code s} answers {@code j}: every token it chooses is a {@link Job.Piece}, text or not. */
    private static void started(Job j, Sequence s) {
        j.sequence = s;
        j.promptTokens = s.prompt().length;
        s.onToken(j::piece);
    }

    /** One decode step for every sequence that is prefilled, then the answers that are complete. */
    private void decode() {
        List<Job> ready = new ArrayList<>();
        List<Sequence> seqs = new ArrayList<>();
        for (Job j : running)
            if (j.sequence != null && j.sequence.prefillDone() && !j.sequence.done()) {
                ready.add(j);
                seqs.add(j.sequence);
            }
        if (!seqs.isEmpty()) {
            try {
                turn("decode", ready);
                qa.answerStage().step(seqs);
            } catch (RuntimeException | OutOfMemoryError e) {
                log.accept("decode step failed: " + e);
                for (Job j : ready) {
                    running.remove(j);
                    fail(j, ApiError.internal());
                }
                return;
            }
            metrics.batch(seqs.size());
            long now = System.nanoTime();
            for (Iterator<Job> it = ready.iterator(); it.hasNext(); ) {
                Job j = it.next();
                RuntimeException failure = j.sequence.failure();
                if (failure == null) continue;
                it.remove();
                running.remove(j);
                log.accept("request " + j.id + " failed in a decode step: " + failure);
                fail(j, ApiError.internal());
            }
            for (Job j : ready) {
                if (j.firstToken == 0) {
                    j.firstToken = now;
                    metrics.firstToken(now - j.arrived);
                } else {
                    metrics.interToken(now - j.lastToken);
                }
                j.lastToken = now;
            }
        }
        for (Iterator<Job> it = running.iterator(); it.hasNext(); ) {
            Job j = it.next();
            if (j.sequence == null || !(j.sequence.done() || j.filter.stopped())) continue;
            it.remove();
            finish(j);
        }
    }

    private void finish(Job j) {
        Sequence s = j.sequence;
        j.sequence = null;
        Job.Result result;
        if (s.done()) {
            Answer a = s.answer(); // hands the stream decoder's last text to the filter
            if (!j.filter.stopped()) j.pending.append(j.filter.flush());
            int[] ids = a.tokenIds();
            if (!j.pending.isEmpty()) j.piece(ids.length);
            boolean stopToken = ids.length > 0 && qa.answerStage().stopIds().contains(ids[ids.length - 1]);
            String reason = stopToken || j.filter.stopped() ? "stop" : "length";
            result = new Job.Result(j.filter.text(), reason, a.stats().promptTokens(), ids.length, a.stats(), ids);
            metrics.cacheHits(a.stats().visionCached(), a.stats().prefixCachedTokens() > 0);
        } else { // a stop string ended it first: the sequence is dropped unfinished, without its stats
            int[] ids = s.tokens();
            result = new Job.Result(j.filter.text(), "stop", s.prompt().length, ids.length, null, ids);
        }
        metrics.tokens(result.promptTokens(), result.completionTokens());
        ended(j, 200, result.completionTokens()); // counted before the client can see the answer
        j.events.add(new Job.Done(result));
    }

    private void fail(Job j, ApiError e) {
        j.sequence = null;
        j.closeEncoding();
        ended(j, e.status(), 0);
        j.events.add(new Job.Failed(e));
    }

    /** The error a client gets for {@code e}: a decoder's own text is logged, never sent. */
    private ApiError error(Job j, Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause())
            if (t instanceof VideoException) {
                log.accept("request " + j.id + ": the video could not be decoded: " + t.getMessage());
                return ApiError.invalid(j.request.videoParam(), "the video could not be decoded");
            }
        if (e instanceof InvalidOptionException o) return ApiError.invalid("dycoke." + o.key(), o.message(k -> "dycoke." + k));
        if (e instanceof IllegalArgumentException) return ApiError.invalid(null, e.getMessage());
        log.accept("request " + j.id + " failed: " + e);
        return ApiError.internal();
    }

    private void ended(Job j, int status, int tokens) {
        metrics.request(status);
        double ttft = j.firstToken == 0 ? -1 : (j.firstToken - j.arrived) / 1e9;
        log.accept(RequestLog.line(j.id, j.frames, j.visualKept, ttft, tokens, status));
    }

    /** Tells the listener of turns (tests) what unit of work runs next and for which requests. */
    private void turn(String what, List<Job> jobs) {
        Consumer<String> l = turns;
        if (l == null) return;
        StringBuilder b = new StringBuilder(what);
        for (Job j : jobs) b.append(' ').append(j.id);
        l.accept(b.toString());
    }

    /**
     * Listens to the engine's units of work, each named before it runs: {@code vision ID}, {@code prefill ID} or
     * {@code decode ID ID...} (for tests that count what ran between what, without timing).
     */
    void turns(Consumer<String> listener) {
        turns = listener;
    }

    private long kvBytes() {
        long bytes = 0;
        for (Job j : running) if (j.sequence != null) bytes += j.sequence.kvBytes();
        return bytes;
    }

    /**
     * Stops taking requests, refuses the queued ones (503), lets the admitted ones finish, and waits for the engine
     * thread to end.
     */
    @Override
    public void close() {
        synchronized (lock) {
            stopping = true;
            for (Job j : queue) fail(j, ApiError.unavailable());
            queue.clear();
            metrics.queued.set(0);
            lock.notifyAll();
        }
        try {
            engine.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
