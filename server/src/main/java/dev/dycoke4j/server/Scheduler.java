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
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The one engine thread, which alone touches the model and its caches. Each turn of its loop admits queued requests
 * (first come, first served) up to the batch size, gives admission work (the units of a new request's video through
 * the vision tower, each one frame's share of one op of one layer; compressing it and starting the sequence; prefill
 * chunks) to the oldest admitted requests that are not decoding yet, then runs one decode step for every sequence that
 * is decoding, handing each waiting HTTP thread its token (and the text it completes) as the token is chosen, before
 * the step's model run.
 *
 * <p>Admission work is short or long. <b>Short work runs whole, outside any budget, one request's per turn (the oldest
 * that has some): a request's cache lookup and start, and a prefill whose rows fit in one chunk
 * ({@link ServerConfig#prefillChunk}, counted from where its sequence started)</b>, such as a text prompt or a
 * question after a restored video prefix. It costs the running streams one gap of about a lone request's prefill, as
 * a prompt within vLLM's per-step token budget does, and in return a short request's first token comes within a few
 * turns of its arrival (one per older request with short work), however long the videos admitted before it. Long
 * work, the vision tower's pieces and the chunks of a longer prefill, is what the budget protects the streams from.
 *
 * <p>While some sequence decodes, long work in a turn has a time budget, {@link ServerConfig#admissionShare} of the
 * last decode step's time: after the turn's first unit of long work, a unit runs only if the time spent plus what that
 * kind of unit took last time fits the budget, and prefill chunks are sized to the budget left from the last chunk's
 * time per row (up to {@link ServerConfig#prefillChunk}); a video whose next frames are still being decoded is passed
 * over for the next request. So a new video delays each token of the running streams by about the budget, at most one
 * unit past it, not by its whole vision tower, and it still moves on while short requests come and go. With nothing
 * decoding, the oldest admitted request runs unbudgeted to its first token (prefill chunks of the most rows), but
 * yields after a unit to a newer request that waits for short work. Times come from a clock that tests may replace.
 *
 * <p>A sequence whose part of the step fails ends alone with a 500; the others go on. A cancelled request is dropped
 * at the top of the next turn, its sequence and KV cache with it (a request being admitted stops at its next unit).
 * The vision-feature and prefix caches are the {@link VideoQa}'s, shared by every request.
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
    private volatile LongSupplier clock = System::nanoTime;
    /** The engine thread's: the last decode step's time, each kind of unit's last time, and the last prefill chunk's time per row (0: none yet). */
    private long lastDecodeNanos;
    private final Map<String, Long> unitNanos = new HashMap<>();
    private double prefillNanosPerRow;

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
            admit();
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
     * The turn's admission work: first one request's short work (see {@link #shortNext}), the oldest request that has
     * some, unbudgeted; then, with a sequence decoding, the long work of the oldest requests within the budget (see the
     * class comment), or with none, the oldest request's units up to its first token, unbudgeted, until another request
     * is waiting for its own.
     */
    private void admit() {
        prepare();
        long start = clock.getAsLong();
        int units = 0;
        for (Job j : List.copyOf(running))
            if (admitting(j) && !j.cancelled() && shortNext(j)) {
                units += shortWork(j);
                break;
            }
        boolean decoding = false;
        for (Job j : running) decoding |= decoding(j);
        units += decoding ? budgeted() : alone();
        if (units > 0) metrics.admission(clock.getAsLong() - start);
    }

    /**
     * Makes the encoding of each newly admitted video, which does no work yet, so that its first unit's kind says whether
     * it is a cache lookup (a family whose tower runs in units) or the whole encode; a request whose encoding cannot be
     * made ends.
     */
    private void prepare() {
        for (Job j : List.copyOf(running)) {
            if (j.sequence != null || j.encoding != null || j.request.videoUrl() == null) continue;
            try {
                j.encoding = qa.visionStage().start(new VideoFileSource(j.media.file()), visionOptions(j.request));
            } catch (RuntimeException e) {
                running.remove(j);
                fail(j, error(j, e));
            }
        }
    }

    /**
     * Whether {@code j}'s next unit is short work, which runs whole outside the budget: its video's cache lookup (for a
     * family whose tower runs in units), its start (compression and the sequence's start), or a prefill that fits in one
     * chunk ({@link ServerConfig#prefillChunk}) counted from where its sequence started (a text prompt, a question after
     * a restored video prefix). Pieces of the vision tower and longer prefills are long work.
     */
    private boolean shortNext(Job j) {
        if (j.sequence != null) return j.prefillRows <= config.prefillChunk();
        String kind = kind(j);
        return kind.equals("lookup") || kind.equals("start");
    }

    /** Runs {@code j}'s short units, whole, until its next is long work or it is prefilled; returns the units run. */
    private int shortWork(Job j) {
        int units = 0;
        while (admitting(j) && !j.cancelled() && shortNext(j)) {
            if (!unit(j, -1)) break;
            units++;
        }
        return units;
    }

    /**
     * With some sequence decoding: the long work of the requests being admitted, oldest first, within the turn's budget
     * (the first unit runs whatever it costs, so that long work always moves on); a request whose next unit is short
     * waits for a later turn's short work, one whose next frames are still being decoded is passed over.
     */
    private int budgeted() {
        long budget = (long) (config.admissionShare() * lastDecodeNanos);
        long start = clock.getAsLong();
        int units = 0;
        work:
        for (Job j : List.copyOf(running)) {
            while (admitting(j) && !j.cancelled() && !shortNext(j)) {
                if (j.encoding != null && !j.encoding.ready()) break; // its frames are still decoding: the next request's turn
                long left = budget - (clock.getAsLong() - start);
                if (units > 0 && (left <= 0 || estimate(j, left) > left)) break work;
                if (!unit(j, Math.max(0, left))) break;
                units++;
            }
        }
        return units;
    }

    /**
     * With nothing decoding: the oldest request being admitted runs unbudgeted to its first token, but stops after a
     * unit when another request waits for its short work (in the queue with room in the batch, or admitted with short
     * work next), which the next turn then runs.
     */
    private int alone() {
        int units = 0;
        for (Job j : List.copyOf(running)) {
            if (!admitting(j) || j.cancelled()) continue;
            while (admitting(j) && !j.cancelled()) {
                if (!unit(j, -1)) break;
                units++;
                if (admitting(j) && othersWaiting(j)) break;
            }
            break;
        }
        return units;
    }

    /**
     * Whether a request other than {@code j} waits for short work: queued with room in the batch, or admitted with short
     * work next.
     */
    private boolean othersWaiting(Job j) {
        synchronized (lock) {
            if (!held && !queue.isEmpty() && running.size() < config.maxBatch()) return true;
        }
        for (Job o : running)
            if (o != j && admitting(o) && !o.cancelled() && shortNext(o)) return true;
        return false;
    }

    /** Whether {@code j} has a sequence taking part in decode steps. */
    private static boolean decoding(Job j) {
        return j.sequence != null && j.sequence.prefillDone() && !j.sequence.done();
    }

    /** Whether {@code j} is still being admitted: its video, its sequence's start or its prefill. */
    private static boolean admitting(Job j) {
        return j.sequence == null || !j.sequence.prefillDone();
    }

    /** The kind of {@code j}'s next unit, as the turn listener and the units' times name it. */
    private static String kind(Job j) {
        if (j.sequence != null) return "prefill";
        if (j.request.videoUrl() == null || j.encoding.done()) return "start";
        return j.encoding.next();
    }

    /** How long {@code j}'s next unit should take, from the last unit of its kind (0 when none ran yet). */
    private long estimate(Job j, long left) {
        if (j.sequence != null) return (long) (prefillRows(left) * prefillNanosPerRow);
        return unitNanos.getOrDefault(kind(j), 0L);
    }

    /**
     * Rows of the next prefill chunk: without a budget ({@code left} negative) the most; with one, as many as the last
     * chunk's time per row fits in the {@code left} nanoseconds, at least one (one when no chunk was timed yet: its
     * time tells).
     */
    private int prefillRows(long left) {
        int most = config.prefillChunk();
        if (left < 0) return most;
        if (prefillNanosPerRow <= 0) return 1;
        return (int) Math.max(1, Math.min(most, left / prefillNanosPerRow));
    }

    /**
     * Runs {@code j}'s next unit, timed, within {@code left} nanoseconds when not negative; false when it failed
     * ({@code j} is then ended).
     */
    private boolean unit(Job j, long left) {
        String kind = kind(j);
        int rows = j.sequence != null ? Math.min(prefillRows(left), j.promptTokens - j.sequence.prefilledTokens()) : 0;
        long t0 = clock.getAsLong();
        try {
            if (j.sequence != null) {
                turn("prefill " + j.id + " " + rows);
                int before = j.sequence.prefilledTokens();
                j.sequence.prefill(rows);
                int done = j.sequence.prefilledTokens() - before;
                if (done > 0) prefillNanosPerRow = (double) (clock.getAsLong() - t0) / done;
            } else {
                turn(kind.equals("start") || kind.equals("lookup") ? kind + " " + j.id : "vision " + j.id + " " + kind);
                if (kind.equals("start")) start(j);
                else j.encoding.step();
                unitNanos.put(kind, clock.getAsLong() - t0);
            }
            return true;
        } catch (RuntimeException | OutOfMemoryError e) {
            running.remove(j);
            fail(j, error(j, e));
            return false;
        }
    }

    /** The vision options of {@code r}, with the saliency and frame signals its method needs. */
    private static VisionOptions visionOptions(ChatRequest r) {
        var comp = r.compression();
        return r.vision().withSaliency(r.vision().saliency() || CompressStage.needsSaliency(comp))
                .withFrameSignals(r.vision().frameSignals() || CompressStage.needsFrameSignals(comp));
    }

    /** Compresses {@code j}'s encoded video and starts its sequence; a request without a video starts its sequence at once. */
    private void start(Job j) {
        ChatRequest r = j.request;
        Consumer<String> out = piece -> j.pending.append(j.filter.push(piece));
        if (r.videoUrl() == null) {
            j.frames = 0;
            j.visualKept = 0;
            started(j, qa.answerStage().startText(r.messages(), r.generation(), out));
            return;
        }
        EncodedVideo encoded = j.encoding.result();
        j.encoding = null;
        CompressedVideo c = j.trace.watch(qa.compressStage().apply(encoded, r.compression()));
        j.frames = c.frames();
        j.visualKept = c.kept().count();
        started(j, qa.answerStage().start(c, r.messages(), r.generation(), out));
    }

    /** {@code s} answers {@code j}: every token it chooses is a {@link Job.Piece}, text or not. */
    private static void started(Job j, Sequence s) {
        j.sequence = s;
        j.promptTokens = s.prompt().length;
        j.prefillRows = j.promptTokens - s.prefilledTokens();
        s.onToken(j::piece);
    }

    /** One decode step for every sequence that is prefilled, then the answers that are complete. */
    private void decode() {
        List<Job> ready = new ArrayList<>();
        List<Sequence> seqs = new ArrayList<>();
        for (Job j : running)
            if (decoding(j)) {
                ready.add(j);
                seqs.add(j.sequence);
            }
        if (!seqs.isEmpty()) {
            try {
                long t0 = clock.getAsLong();
                StringBuilder b = new StringBuilder("decode");
                for (Job j : ready) b.append(' ').append(j.id);
                turn(b.toString());
                qa.answerStage().step(seqs);
                lastDecodeNanos = clock.getAsLong() - t0;
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

    /** Tells the listener of turns (tests) what unit of work runs next. */
    private void turn(String what) {
        Consumer<String> l = turns;
        if (l != null) l.accept(what);
    }

    /**
     * Listens to the engine's units of work, each named before it runs: {@code lookup ID} (a video's cache lookup),
     * {@code vision ID PIECE} (a piece of its vision tower, {@link VisionEncoding#next}), {@code start ID} (its
     * compression and the sequence's start), {@code prefill ID ROWS} (the rows it prefills, at most those left) or
     * {@code decode ID ID...} (for tests that count what ran between what, without timing).
     */
    void turns(Consumer<String> listener) {
        turns = listener;
    }

    /** Times the units and decode steps by {@code nanos} from now on, instead of {@link System#nanoTime} (tests). */
    void clock(LongSupplier nanos) {
        clock = nanos;
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
