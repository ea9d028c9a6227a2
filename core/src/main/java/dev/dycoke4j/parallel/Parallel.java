package dev.dycoke4j.parallel;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The one thread pool of the engine: {@code threads - 1} platform workers plus the calling thread, no more than the
 * cores unless asked. Work is split into contiguous chunks, one per thread, which the caller and the workers claim in
 * order, so {@code threads} threads in all do the work and nothing is oversubscribed. Claiming rather than assigning
 * the chunks means a worker the OS has not scheduled yet (a JIT compiler thread or another process holds its core)
 * never holds up a job it has not started: the caller runs that chunk too.
 *
 * <p>Decode hands out a few hundred small jobs per token (each matvec of a layer is tens of microseconds), so
 * handing a job over must cost far less than that: workers spin for {@value #SPIN_NANOS} ns after each job before
 * they park, and the caller spins while it waits for the last chunk. Measured on the 0.5B model, waking a parked
 * worker through an executor's queue for every job left both cores idle for about half of each decode step. One
 * job runs at a time: a call that arrives while the pool is busy (from another thread, or nested inside a job) runs
 * its whole range on its own thread instead of waiting.
 */
public final class Parallel {
    /** A body over the index range [lo, hi). Kernels pass a small static method here, never inline vector code. */
    @FunctionalInterface
    public interface Range {
        void run(int lo, int hi);
    }

    /** How long a worker, or a caller waiting for its workers, spins before it parks. */
    static final long SPIN_NANOS = 200_000;

    private static volatile int threads = Runtime.getRuntime().availableProcessors();
    private static volatile Pool pool;

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

    private static Pool pool() {
        Pool p = pool;
        if (p == null) {
            synchronized (Parallel.class) {
                if (pool == null) pool = new Pool(Math.max(1, threads - 1));
                p = pool;
            }
        }
        return p;
    }

    /** Runs {@code body} over [0, n) in up to {@link #threads()} contiguous chunks of at least {@code grain} items. */
    public static void forRange(int n, int grain, Range body) {
        run(n, grain, Integer.MAX_VALUE, body);
    }

    /**
     * As {@link #forRange}, for jobs whose threads finish their chunks at different times although the chunks are
     * equal (decode's matvecs, bound by how fast each core pulls its rows from memory): each thread runs its chunk
     * front to back in blocks of {@code block} items, and a thread whose chunk is done takes blocks from the back of
     * a chunk still running, until none is left. So each thread still reads one contiguous run of its chunk, and
     * both finish together.
     */
    public static void forRangeBalanced(int n, int grain, int block, Range body) {
        if (block < 1) throw new IllegalArgumentException("block must be at least 1, got " + block);
        run(n, grain, block, body);
    }

    /** {@link #forRange} with blocks of {@code block} items ({@link Integer#MAX_VALUE}: whole chunks, no taking). */
    private static void run(int n, int grain, int block, Range body) {
        int t = threads;
        int chunks = Math.min(t, Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1 || n <= 1) {
            if (n > 0) body.run(0, n);
            return;
        }
        Pool p = pool();
        if (!p.run(n, chunks, block, body)) body.run(0, n); // the pool is busy (nested or concurrent call): run it here
    }

    /** A body over the index range [lo, hi) of part {@code part}. */
    @FunctionalInterface
    public interface PartRange {
        void run(int part, int lo, int hi);
    }

    /**
     * One job over several parts laid end to end, part i of {@code sizes[i]} items: the threads split the whole,
     * and each chunk calls {@code body} once per part it overlaps, with indices within that part.
     */
    public static void forParts(int[] sizes, int grain, PartRange body) {
        forRange(total(sizes), grain, overParts(sizes, body));
    }

    /** {@link #forParts} over {@link #forRangeBalanced}. */
    public static void forPartsBalanced(int[] sizes, int grain, int block, PartRange body) {
        forRangeBalanced(total(sizes), grain, block, overParts(sizes, body));
    }

    private static int total(int[] sizes) {
        int n = 0;
        for (int size : sizes) n += size;
        return n;
    }

    /** A range over the parts laid end to end that calls {@code body} once per part it overlaps. */
    private static Range overParts(int[] sizes, PartRange body) {
        int[] start = new int[sizes.length + 1];
        for (int i = 0; i < sizes.length; i++) start[i + 1] = start[i] + sizes[i];
        return (lo, hi) -> {
            for (int i = 0; i < sizes.length; i++) {
                int a = Math.max(lo, start[i]) - start[i], b = Math.min(hi, start[i + 1]) - start[i];
                if (a < b) body.run(i, a, b);
            }
        };
    }

    /** Runs {@code body} over [0, n) with exactly one chunk per item-group, balanced over the threads. */
    public static void forEach(int n, Range body) {
        forRange(n, 1, body);
    }

    /**
     * One job: chunk c of {@code chunks} covers [n·c/chunks, n·(c+1)/chunks); each is claimed once, in order, and its
     * claimer runs it from the front in blocks of {@code block} items, while a thread with no chunk left to claim
     * takes blocks from the back of unfinished ones (with a block of at least the chunk, a chunk runs whole).
     */
    private static final class Job {
        /** Longs between two chunks' spans, so that the two ends' updates do not share a cache line. */
        private static final int PAD = 16;
        final long id;
        final int n, chunks, block;
        final Range body;
        final AtomicInteger next = new AtomicInteger(), pending;
        /** Per chunk, at {@code c·PAD}: what is left of it, {@code front << 32 | back}. */
        final AtomicLongArray span;
        final AtomicReference<Throwable> error = new AtomicReference<>();

        Job(long id, int n, int chunks, int block, Range body) {
            this.id = id;
            this.n = n;
            this.chunks = chunks;
            this.block = block;
            this.body = body;
            this.pending = new AtomicInteger(n);
            this.span = new AtomicLongArray(chunks * PAD);
            for (int c = 0; c < chunks; c++)
                span.set(c * PAD, (long) (int) ((long) n * c / chunks) << 32 | (int) ((long) n * (c + 1) / chunks));
        }

        /** Claims and runs chunks until none is left, then helps with the backs of the others. */
        void work() {
            for (int c; (c = next.getAndIncrement()) < chunks; ) {
                for (int i = c * PAD; ; ) { // the front of chunk c
                    long s = span.get(i);
                    int f = (int) (s >>> 32), b = (int) s;
                    if (f >= b) break;
                    int e = (int) Math.min(b, (long) f + block);
                    if (span.compareAndSet(i, s, (long) e << 32 | b)) run(f, e);
                }
            }
            if (block == Integer.MAX_VALUE) return;
            for (boolean found = true; found; ) { // the backs of chunks others still run
                found = false;
                for (int c = 0; c < chunks; c++) {
                    int i = c * PAD;
                    long s = span.get(i);
                    int f = (int) (s >>> 32), b = (int) s;
                    if (f >= b) continue;
                    found = true;
                    int e = Math.max(f, b - block);
                    if (span.compareAndSet(i, s, (long) f << 32 | e)) run(e, b);
                }
            }
        }

        private void run(int lo, int hi) {
            try {
                body.run(lo, hi);
            } catch (Throwable e) {
                error.compareAndSet(null, e);
            }
            pending.addAndGet(lo - hi);
        }
    }

    private static final class Pool {
        final Worker[] workers;
        final AtomicBoolean busy = new AtomicBoolean();
        /** The job being run, or null; a worker claims chunks of each job whose id it has not seen. */
        volatile Job job;
        /** The last job's id: written only by the holder of {@link #busy}. */
        long lastId;
        volatile boolean stopped;

        Pool(int size) {
            workers = new Worker[size];
            for (int i = 0; i < size; i++) {
                workers[i] = new Worker(this, i + 1);
                workers[i].start();
            }
        }

        /** Runs the job on the workers and the caller; false, doing nothing, if another job holds the pool. */
        boolean run(int n, int chunks, int block, Range body) {
            if (!busy.compareAndSet(false, true)) return false;
            try {
                Job j = new Job(++lastId, n, Math.min(chunks, workers.length + 1), block, body);
                job = j; // publishes it; it stays until every item is done
                for (Worker w : workers) if (w.parked) LockSupport.unpark(w);
                j.work();
                long t0 = System.nanoTime();
                while (j.pending.get() > 0) {
                    if (System.nanoTime() - t0 < SPIN_NANOS) Thread.onSpinWait();
                    else LockSupport.parkNanos(20_000);
                }
                job = null;
                Throwable e = j.error.get();
                if (e instanceof RuntimeException re) throw re;
                if (e instanceof Error er) throw er;
                if (e != null) throw new RuntimeException(e);
                return true;
            } finally {
                busy.set(false);
            }
        }

        void shutdown() {
            stopped = true;
            for (Worker w : workers) LockSupport.unpark(w);
        }
    }

    private static final class Worker extends Thread {
        final Pool pool;
        volatile boolean parked;

        Worker(Pool pool, int number) {
            super("dycoke-worker-" + number);
            this.pool = pool;
            setDaemon(true);
        }

        @Override
        public void run() {
            long seen = 0;
            while (!pool.stopped) {
                long ran = workNew(seen);
                if (ran == seen) idle(seen);
                seen = ran;
            }
        }

        /**
         * Runs the pool's job if it is one not seen yet and returns its id, else returns {@code seen}. The job is never
         * a local of {@link #run}: an interpreted frame keeps a local's object reachable while the worker idles, and
         * with it everything the job's body captured (a prefill's rows, say) until the next job.
         */
        private long workNew(long seen) {
            Job j = pool.job;
            if (j == null || j.id == seen) return seen;
            j.work();
            return j.id;
        }

        /** Spins until a new job or {@link #SPIN_NANOS} pass, then parks until woken (a re-check closes the race). */
        private void idle(long seen) {
            long t0 = System.nanoTime();
            while (waiting(seen)) {
                if (System.nanoTime() - t0 < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                if (waiting(seen)) LockSupport.park(this);
                parked = false;
            }
        }

        private boolean waiting(long seen) {
            Job j = pool.job;
            return !pool.stopped && (j == null || j.id == seen);
        }
    }
}
