package dev.dycoke4j.pipeline;

import java.util.concurrent.BlockingQueue;

/**
 * The queue protocol of the pipeline's background threads ({@link PrefetchedPixels}, {@link StreamedFrames}): a thread
 * that fails hands over a {@link Failure} instead of its next result, the caller's {@link #take} rethrows it unchanged,
 * and {@link #stop} interrupts the thread and waits for it.
 */
final class Handoff {
    /** A background thread's error, in place of its next result. */
    record Failure(Throwable error) {
    }

    private Handoff() {
    }

    /** Hands {@code error} over to the caller; a thread interrupted meanwhile was closed, and nobody reads any more. */
    static void fail(BlockingQueue<Object> queue, Throwable error) {
        try {
            queue.put(new Failure(error));
        } catch (InterruptedException ignored) {
            // closed
        }
    }

    /**
     * The next item, waiting for it; a {@link Failure} is rethrown as it was (a checked error wrapped).
     *
     * @param what what the caller waits for, for the message when it is interrupted
     */
    static Object take(BlockingQueue<Object> queue, String what) {
        Object o;
        try {
            o = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what, e);
        }
        if (o instanceof Failure(Throwable t)) {
            if (t instanceof RuntimeException re) throw re;
            if (t instanceof Error er) throw er;
            throw new IllegalStateException(t);
        }
        return o;
    }

    /** Interrupts {@code worker} (it stops at its next wait) and waits for it to end. */
    static void stop(Thread worker) {
        worker.interrupt();
        try {
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
