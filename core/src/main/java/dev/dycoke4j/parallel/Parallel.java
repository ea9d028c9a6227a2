package dev.dycoke4j.parallel;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one thread pool of the engine: a fixed number of platform threads, no more than the cores unless asked. Work
 * is split into contiguous chunks; the calling thread runs the first chunk itself, so {@code threads} threads in all
 * do the work and nothing is oversubscribed.
 */
public final class Parallel {
    /** A body over the index range [lo, hi). Kernels pass a small static method here, never inline vector code. */
    @FunctionalInterface
    public interface Range {
        void run(int lo, int hi);
    }

    private static volatile int threads = Runtime.getRuntime().availableProcessors();
    private static volatile ExecutorService pool;

    private Parallel() {
    }

    /** Sets the number of threads (the {@code --threads} option); 1 runs everything on the caller. */
    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be at least 1, got " + n);
        if (n != threads && pool != null) {
            pool.shutdown();
            pool = null;
        }
        threads = n;
    }

    public static int threads() {
        return threads;
    }

    private static ExecutorService pool() {
        ExecutorService p = pool;
        if (p == null) {
            synchronized (Parallel.class) {
                if (pool == null) {
                    AtomicInteger id = new AtomicInteger();
                    pool = Executors.newFixedThreadPool(Math.max(1, threads - 1), r -> {
                        Thread t = new Thread(r, "dycoke-worker-" + id.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
                }
                p = pool;
            }
        }
        return p;
    }

    /** Runs {@code body} over [0, n) in up to {@link #threads()} contiguous chunks of at least {@code grain} items. */
    public static void forRange(int n, int grain, Range body) {
        int t = threads;
        int chunks = Math.min(t, Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1 || n <= 1) {
            if (n > 0) body.run(0, n);
            return;
        }
        split(n, chunks, body);
    }

    /** Runs {@code body} over [0, n) with exactly one chunk per item-group, balanced over the threads. */
    public static void forEach(int n, Range body) {
        forRange(n, 1, body);
    }

    private static void split(int n, int chunks, Range body) {
        ExecutorService p = pool();
        Future<?>[] fs = new Future<?>[chunks - 1];
        for (int c = 1; c < chunks; c++) {
            int lo = (int) ((long) n * c / chunks), hi = (int) ((long) n * (c + 1) / chunks);
            fs[c - 1] = p.submit(() -> body.run(lo, hi));
        }
        Throwable err = null;
        try {
            body.run(0, (int) ((long) n / chunks));
        } catch (Throwable e) {
            err = e;
        }
        for (Future<?> f : fs) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (err == null) err = e.getCause();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (err == null) err = e;
            }
        }
        if (err instanceof RuntimeException re) throw re;
        if (err instanceof Error er) throw er;
        if (err != null) throw new RuntimeException(err);
    }
}
