package dev.dycoke4j.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Writes a request's answer as its events arrive from the engine: one JSON completion, or Server-Sent Events. Each
 * response is completed here, not after the handler returns, so that a shutdown waiting for the handlers finds it
 * sent; the request's temporary video is deleted before the answer goes out.
 */
final class AnswerWriter {
    /** How often a whole answer's connection is looked at while the answer is computed. */
    static final long WATCH_MILLIS = 100;
    private final String model;
    private final Scheduler scheduler;

    AnswerWriter(String model, Scheduler scheduler) {
        this.model = model;
        this.scheduler = scheduler;
    }

    /**
     * One JSON completion. While it is computed the connection is looked at every {@link #WATCH_MILLIS} ms, and a
     * client that has left is cancelled (see {@link ClientWatch}).
     */
    void whole(Context ctx, Job job) throws InterruptedException {
        ClientWatch watch = ClientWatch.on(ctx);
        long nextLook = System.nanoTime() + WATCH_MILLIS * 1_000_000L;
        while (true) {
            Job.Event e = job.events.poll(WATCH_MILLIS, TimeUnit.MILLISECONDS);
            // looked at on a schedule, not only when no token came for a while: a fast decode sends a piece every step
            if (e == null || System.nanoTime() - nextLook >= 0) {
                nextLook = System.nanoTime() + WATCH_MILLIS * 1_000_000L;
                if (watch.gone()) {
                    scheduler.cancel(job);
                    return;
                }
                if (e == null) continue;
            }
            switch (e) {
                case Job.Piece p -> {
                }
                case Job.Failed f -> {
                    job.media.close();
                    throw f.error();
                }
                case Job.Done d -> {
                    job.media.close(); // before the client can see the answer: nothing of the request is left once it is out
                    ObjectNode completion = ChatJson.completion(job.id, now(), model, d.result());
                    job.trace.addTo(completion);
                    byte[] bytes = completion.toString().getBytes(StandardCharsets.UTF_8);
                    ctx.res().setStatus(200);
                    ctx.res().setContentType("application/json");
                    ctx.res().setContentLength(bytes.length);
                    try (OutputStream out = ctx.res().getOutputStream()) {
                        out.write(bytes);
                    } catch (IOException gone) {
                        // the client left; the answer was complete
                    }
                    return;
                }
            }
        }
    }

    /**
     * Server-Sent Events: {@code data: {chunk}} lines and {@code data: [DONE]}, a chunk per token as vLLM sends them
     * (its text may be empty: a piece of a character's bytes). The status is sent with the first token, so a request
     * that fails before (a video that can't be decoded) still gets its error status; a client that goes away is
     * cancelled at the next write. With {@code continuous_usage_stats} every chunk carries the running usage.
     */
    void stream(Context ctx, Job job) throws InterruptedException {
        ChatRequest r = job.request;
        Job.Event e = job.events.take();
        if (e instanceof Job.Failed f) {
            job.media.close();
            throw f.error();
        }
        ctx.res().setStatus(200);
        ctx.res().setContentType("text/event-stream");
        ctx.res().setCharacterEncoding("utf-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        ctx.res().setHeader("X-Accel-Buffering", "no");
        long created = now();
        boolean running = r.continuousUsage();
        try {
            OutputStream out = ctx.res().getOutputStream();
            int prompt = switch (e) {
                case Job.Piece p -> p.promptTokens();
                case Job.Done d -> d.result().promptTokens();
                case Job.Failed f -> 0;
            };
            event(out, ChatJson.chunk(job.id, created, model, "", true, r.includeUsage(), running ? ChatJson.usage(prompt, 0) : null));
            while (true) {
                switch (e) {
                    case Job.Piece p -> event(out, ChatJson.chunk(job.id, created, model, p.text(), false, r.includeUsage(),
                            running ? ChatJson.usage(p.promptTokens(), p.completionTokens()) : null));
                    case Job.Failed f -> {
                        job.media.close();
                        // the status is out already: the error goes in the stream, as OpenAI's does
                        event(out, f.error().json());
                        done(out);
                        return;
                    }
                    case Job.Done d -> {
                        job.media.close();
                        event(out, ChatJson.finish(job.id, created, model, d.result().finishReason(), r.includeUsage(),
                                running ? ChatJson.usage(d.result()) : null));
                        if (r.includeUsage()) {
                            ObjectNode usage = ChatJson.usageChunk(job.id, created, model, d.result());
                            job.trace.addTo(usage);
                            event(out, usage);
                        }
                        done(out);
                        return;
                    }
                }
                e = job.events.take();
            }
        } catch (IOException gone) {
            scheduler.cancel(job);
        }
    }

    private static void event(OutputStream out, ObjectNode chunk) throws IOException {
        out.write(("data: " + chunk + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** The last event, and the end of the response (its last chunk), before a shutdown can stop the connection. */
    private static void done(OutputStream out) throws IOException {
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.close();
    }

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }
}
