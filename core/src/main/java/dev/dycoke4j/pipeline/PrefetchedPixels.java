package dev.dycoke4j.pipeline;

import dev.dycoke4j.vision.Preprocessor;
import dev.dycoke4j.vision.RgbFrame;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Pixel values of a video, one batch of frames at a time, preprocessed on one background thread while the caller
 * encodes the batch before: batch i+1 is resized and normalised while the vision tower runs on batch i. At most one
 * finished batch waits in the queue. The values are those of {@link Preprocessor#pixels} on the whole list, and a
 * failure of the background thread is rethrown, unchanged, by {@link #next}.
 */
final class PrefetchedPixels implements AutoCloseable {
    private record Failure(Throwable error) {
    }

    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(1);
    private final Thread worker;
    private long waitedNanos;

    PrefetchedPixels(Preprocessor pre, List<RgbFrame> frames, int batch) {
        checkSizes(pre, frames);
        worker = Thread.ofPlatform().daemon().name("dycoke-preprocess").unstarted(() -> {
            try {
                for (int f0 = 0; f0 < frames.size(); f0 += batch)
                    queue.put(pre.pixels(frames.subList(f0, Math.min(frames.size(), f0 + batch))));
            } catch (InterruptedException e) {
                // closed before the end: the caller has stopped reading
            } catch (Throwable t) {
                try {
                    queue.put(new Failure(t));
                } catch (InterruptedException ignored) {
                    // closed
                }
            }
        });
        worker.start();
    }

    /** The problems {@link Preprocessor#pixels} finds across batches, found before any work starts. */
    private static void checkSizes(Preprocessor pre, List<RgbFrame> frames) {
        if (frames.isEmpty()) throw new IllegalArgumentException("no frames to preprocess");
        int[] first = pre.outputSize(frames.getFirst().width(), frames.getFirst().height());
        for (int f = 1; f < frames.size(); f++) {
            RgbFrame frame = frames.get(f);
            int[] s = pre.outputSize(frame.width(), frame.height());
            if (s[0] != first[0] || s[1] != first[1])
                throw new IllegalArgumentException("frame " + f + " becomes " + s[0] + "x" + s[1] + " but frame 0 becomes " + first[0] + "x" + first[1]);
        }
    }

    /** The next batch's pixel values {@code [nb, 3, H, W]}, waiting for the background thread if needed. */
    float[] next() {
        long t0 = System.nanoTime();
        Object o;
        try {
            o = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for preprocessed frames", e);
        } finally {
            waitedNanos += System.nanoTime() - t0;
        }
        if (o instanceof Failure(Throwable t)) {
            if (t instanceof RuntimeException re) throw re;
            if (t instanceof Error er) throw er;
            throw new IllegalStateException(t);
        }
        return (float[]) o;
    }

    /** Seconds the caller spent waiting for pixels: the preprocessing the overlap did not hide. */
    double waitedSeconds() {
        return waitedNanos / 1e9;
    }

    @Override
    public void close() {
        worker.interrupt();
        try {
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
