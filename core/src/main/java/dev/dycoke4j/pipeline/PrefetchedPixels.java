package dev.dycoke4j.pipeline;

import dev.dycoke4j.vision.Preprocessor;
import dev.dycoke4j.vision.RgbFrame;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.IntFunction;

/**
 * Pixel values of a video, one batch of frames at a time, preprocessed on one background thread while the caller
 * encodes the batch before: batch i+1 is resized and normalised while the vision tower runs on batch i. At most one
 * finished batch waits in the queue. The frames of each batch come from a function that may block (frames still
 * decoding, {@link StreamedFrames}). The values are those of {@link Preprocessor#pixels} on the whole list, and a
 * failure of the background thread (or of the function) is rethrown, unchanged, by {@link #next}.
 */
final class PrefetchedPixels implements AutoCloseable {
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(1);
    private final Thread worker;
    private volatile long busyNanos;
    private long waitedNanos;

    /** The {@code frames} frames that {@code next} gives, {@code nb} at a time, {@code batch} per batch (the last one fewer). */
    PrefetchedPixels(Preprocessor pre, int frames, int batch, IntFunction<List<RgbFrame>> next) {
        worker = Thread.ofPlatform().daemon().name("dycoke-preprocess").unstarted(() -> {
            try {
                RgbFrame first = null;
                for (int f0 = 0; f0 < frames; f0 += batch) {
                    List<RgbFrame> b = next.apply(Math.min(batch, frames - f0));
                    long t0 = System.nanoTime();
                    if (first == null) first = b.getFirst();
                    for (int i = 0; i < b.size(); i++) checkSize(pre, first, f0 + i, b.get(i));
                    float[] px = pre.pixels(b);
                    busyNanos += System.nanoTime() - t0;
                    queue.put(px);
                }
            } catch (InterruptedException e) {
                // closed before the end: the caller has stopped reading
            } catch (Throwable t) {
                Handoff.fail(queue, t);
            }
        });
        worker.start();
    }

    /** Frames already in memory. */
    PrefetchedPixels(Preprocessor pre, List<RgbFrame> frames, int batch) {
        this(pre, checkSizes(pre, frames), batch, new IntFunction<>() {
            private int next;

            @Override
            public List<RgbFrame> apply(int nb) {
                next += nb;
                return frames.subList(next - nb, next);
            }
        });
    }

    /** The problems {@link Preprocessor#pixels} finds across batches, found before any work starts; the frame count. */
    private static int checkSizes(Preprocessor pre, List<RgbFrame> frames) {
        if (frames.isEmpty()) throw new IllegalArgumentException("no frames to preprocess");
        for (int f = 1; f < frames.size(); f++) checkSize(pre, frames.getFirst(), f, frames.get(f));
        return frames.size();
    }

    /** Frame {@code f} must preprocess to the size frame 0 ({@code first}) does. */
    private static void checkSize(Preprocessor pre, RgbFrame first, int f, RgbFrame frame) {
        int[] a = pre.outputSize(first.width(), first.height());
        int[] s = pre.outputSize(frame.width(), frame.height());
        if (s[0] != a[0] || s[1] != a[1])
            throw new IllegalArgumentException("frame " + f + " becomes " + s[0] + "x" + s[1] + " but frame 0 becomes " + a[0] + "x" + a[1]);
    }

    /** The next batch's pixel values {@code [nb, 3, H, W]}, waiting for the background thread if needed. */
    float[] next() {
        long t0 = System.nanoTime();
        try {
            return (float[]) Handoff.take(queue, "preprocessed frames");
        } finally {
            waitedNanos += System.nanoTime() - t0;
        }
    }

    /** Whether {@link #next} would return (or throw) without waiting: a batch, or the background thread's failure, is there. */
    boolean ready() {
        return !queue.isEmpty();
    }

    /** Seconds the caller spent waiting for pixels: the frames' decoding and preprocessing the overlap did not hide. */
    double waitedSeconds() {
        return waitedNanos / 1e9;
    }

    /** Seconds the background thread spent preprocessing (not waiting for frames or for the caller); final once closed. */
    double busySeconds() {
        return busyNanos / 1e9;
    }

    /** The background thread (for tests: it has ended once {@link #close} returns). */
    Thread worker() {
        return worker;
    }

    @Override
    public void close() {
        Handoff.stop(worker);
    }
}
