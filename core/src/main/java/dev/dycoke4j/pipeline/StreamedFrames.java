package dev.dycoke4j.pipeline;

import dev.dycoke4j.vision.FrameSink;
import dev.dycoke4j.vision.RgbFrame;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The frames of a {@link VideoSource}, decoded on one background thread while the caller uses those before: at most
 * {@code ahead} frames wait in the queue. {@link #expected} is how many frames the source predicted, {@link #take}
 * gives them in order, {@link #result} the frames the source finally returned and {@link #handedOver} whether those
 * are exactly the frames taken. A failure of the background thread is rethrown, unchanged, by whichever of these the
 * caller is in; {@link #close} interrupts the thread (the sources stop at their next frame) and waits for it.
 */
final class StreamedFrames implements AutoCloseable {
    /** The source's early frames turned out not to be its sample (its frame count was wrong): use {@link #result}. */
    static final class SamplingChanged extends RuntimeException {
        SamplingChanged() {
            super("the video's frame count differed from its container's; the sample changed", null, false, false);
        }
    }

    private record Expected(int frames) {
    }

    private record End(List<RgbFrame> frames) {
    }

    private final BlockingQueue<Object> queue;
    private final Thread worker;
    private final List<RgbFrame> taken = new ArrayList<>();
    private volatile long busyNanos;
    private End end;

    StreamedFrames(VideoSource source, int frames, int ahead) {
        queue = new ArrayBlockingQueue<>(Math.max(1, ahead));
        worker = Thread.ofPlatform().daemon().name("dycoke-decode").unstarted(() -> {
            long[] blocked = {0};
            long t0 = System.nanoTime();
            try {
                List<RgbFrame> sampled = source.decode(frames, new FrameSink() {
                    @Override
                    public void expect(int n) {
                        put(new Expected(n), blocked);
                    }

                    @Override
                    public void accept(RgbFrame frame) {
                        put(frame, blocked);
                    }
                });
                busyNanos = System.nanoTime() - t0 - blocked[0];
                queue.put(new End(List.copyOf(sampled)));
            } catch (InterruptedException | Closed e) {
                // closed before the end: the caller has stopped reading
            } catch (Throwable t) {
                busyNanos = System.nanoTime() - t0 - blocked[0];
                Handoff.fail(queue, t);
            }
        });
        worker.start();
    }

    /** Thrown out of the source when the caller closed this object: unwinds the decode without reporting anything. */
    private static final class Closed extends RuntimeException {
        Closed() {
            super("closed", null, false, false);
        }
    }

    private void put(Object o, long[] blocked) {
        long t0 = System.nanoTime();
        try {
            queue.put(o);
        } catch (InterruptedException e) {
            throw new Closed();
        } finally {
            blocked[0] += System.nanoTime() - t0;
        }
    }

    /** How many frames the source predicted before decoding (0: it could not tell); waits for it. */
    int expected() {
        Object o = take();
        if (o instanceof Expected(int n)) return n;
        if (o instanceof End e) {
            end = e;
            return 0;
        }
        throw new IllegalStateException("a frame came before the source's prediction");
    }

    /**
     * The next {@code nb} frames, waiting for them.
     *
     * @throws SamplingChanged when the source ended first
     */
    List<RgbFrame> take(int nb) {
        List<RgbFrame> out = new ArrayList<>(nb);
        while (out.size() < nb) {
            if (end != null) throw new SamplingChanged();
            Object o = take();
            if (o instanceof End e) end = e;
            else if (o instanceof RgbFrame f) out.add(f);
            else throw new IllegalStateException("the source predicted its frame count twice");
        }
        taken.addAll(out);
        return out;
    }

    /** The frames the source returned, once it has decoded everything (frames not taken are skipped). */
    List<RgbFrame> result() {
        while (end == null) if (take() instanceof End e) end = e;
        return end.frames();
    }

    /** The frames {@link #take} gave so far, in order. */
    List<RgbFrame> taken() {
        return java.util.Collections.unmodifiableList(taken);
    }

    /** Whether {@code sampled} are exactly the frames {@link #take} gave: the same objects, in the same order. */
    boolean handedOver(List<RgbFrame> sampled) {
        if (sampled.size() != taken.size()) return false;
        for (int i = 0; i < sampled.size(); i++) if (sampled.get(i) != taken.get(i)) return false;
        return true;
    }

    /** Seconds the background thread spent in the source (not waiting for room in the queue); final after {@link #result}. */
    double decodeSeconds() {
        return busyNanos / 1e9;
    }

    private Object take() {
        return Handoff.take(queue, "decoded frames");
    }

    @Override
    public void close() {
        Handoff.stop(worker);
    }
}
