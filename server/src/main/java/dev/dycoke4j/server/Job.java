package dev.dycoke4j.server;

import dev.dycoke4j.pipeline.Sequence;
import dev.dycoke4j.pipeline.Stats;
import dev.dycoke4j.pipeline.VisionEncoding;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One request between the HTTP thread that waits for it and the engine thread that runs it. The HTTP side reads
 * {@link #events} (text pieces, then the end or a failure) and may {@link #cancel}; everything else belongs to the
 * engine thread.
 */
final class Job {
    /** What the engine tells the waiting HTTP thread. */
    sealed interface Event {
    }

    /**
     * A token was chosen: the answer text that may be sent now (empty while a character's bytes are incomplete, or a stop
     * string may be starting), and the tokens so far.
     *
     * @param promptTokens     prompt tokens after compression
     * @param completionTokens tokens generated so far, the stop token included
     */
    record Piece(String text, int promptTokens, int completionTokens) implements Event {
    }

    /** The answer is complete. */
    record Done(Result result) implements Event {
    }

    /** The request failed; nothing more follows. */
    record Failed(ApiError error) implements Event {
    }

    /**
     * A complete answer.
     *
     * @param finishReason     {@code stop} (a stop token or stop string) or {@code length}
     * @param stats            the run's figures, or null when a stop string ended it before the sequence did
     * @param promptTokens     prompt tokens after compression
     * @param completionTokens tokens generated, the stop token included
     */
    record Result(String text, String finishReason, int promptTokens, int completionTokens, Stats stats, int[] tokenIds) {
    }

    final String id;
    final ChatRequest request;
    final Media media;
    /** When the request arrived ({@link System#nanoTime}): time to first token counts from here, queueing included. */
    final long arrived;
    final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    /** What the method kept, for the answer's {@code dycoke.kept}: the engine thread fills it before {@link Done}. */
    final TokenTrace trace;
    private volatile boolean cancelled;

    // the engine thread's
    /** The video being encoded, unit by unit between decode steps, until the sequence starts. */
    VisionEncoding encoding;
    Sequence sequence;
    StopFilter filter;
    /** Text the stop filter let through since the last {@link Piece}. */
    final StringBuilder pending = new StringBuilder();
    int promptTokens;
    /** The prompt rows its sequence had to prefill when it started (a restored prefix not counted). */
    int prefillRows;
    long firstToken, lastToken;
    int visualKept = -1, frames = -1;

    Job(String id, ChatRequest request, Media media, long arrived, TokenTrace trace) {
        this.id = id;
        this.trace = trace;
        this.request = request;
        this.media = media;
        this.arrived = arrived;
        this.filter = new StopFilter(request.stop());
    }

    /** A {@link Piece} of the pending text at {@code completionTokens} tokens. */
    void piece(int completionTokens) {
        events.add(new Piece(pending.toString(), promptTokens, completionTokens));
        pending.setLength(0);
    }

    /** Stops the video's encoding, if one is under way (its background threads with it). */
    void closeEncoding() {
        if (encoding != null) encoding.close();
        encoding = null;
    }

    /** The client is gone: the engine drops the job at its next step. */
    void cancel() {
        cancelled = true;
    }

    boolean cancelled() {
        return cancelled;
    }
}
