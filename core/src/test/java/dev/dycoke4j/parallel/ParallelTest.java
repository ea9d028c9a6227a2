package dev.dycoke4j.parallel;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Parallel}: every index exactly once, errors rethrown on the caller, nested and concurrent calls. */
class ParallelTest {
    private final int before = Parallel.threads();

    @AfterEach
    void restore() {
        Parallel.setThreads(before);
    }

    static void coversEveryIndexOnce(int n, int grain) {
        AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
        Parallel.forRange(n, grain, (lo, hi) -> {
            for (int i = lo; i < hi; i++) hits.incrementAndGet(i);
        });
        for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "index " + i + " of " + n + " (grain " + grain + ", " + Parallel.threads() + " threads)");
    }

    @Test
    void everyIndexExactlyOnceForAnyThreadCountSizeAndGrain() {
        for (int t : new int[] {1, 2, 3, 5})
            for (int rep = 0; rep < 2; rep++) {
                Parallel.setThreads(t);
                for (int n : new int[] {0, 1, 2, 3, 7, 64, 1000, 4097})
                    for (int grain : new int[] {1, 3, 64}) coversEveryIndexOnce(n, grain);
            }
    }

    @Test
    void partsLaidEndToEndAreEachCoveredOnceWithTheirOwnIndices() {
        int[] sizes = {5, 0, 130, 1, 64};
        for (int t : new int[] {1, 2, 3}) {
            Parallel.setThreads(t);
            for (int grain : new int[] {1, 7, 64}) {
                AtomicIntegerArray[] hits = new AtomicIntegerArray[sizes.length];
                for (int i = 0; i < sizes.length; i++) hits[i] = new AtomicIntegerArray(Math.max(1, sizes[i]));
                Parallel.forParts(sizes, grain, (part, lo, hi) -> {
                    assertTrue(lo < hi && hi <= sizes[part], "part " + part + " [" + lo + ", " + hi + ")");
                    for (int j = lo; j < hi; j++) hits[part].incrementAndGet(j);
                });
                for (int i = 0; i < sizes.length; i++)
                    for (int j = 0; j < sizes[i]; j++) assertEquals(1, hits[i].get(j), "part " + i + " index " + j + ", " + t + " threads, grain " + grain);
            }
        }
    }

    @Test
    void manySmallJobsInARowLoseNothing() {
        // decode's pattern: thousands of tiny jobs back to back, while workers spin between them
        Parallel.setThreads(3);
        long[] sum = new long[1];
        for (int job = 0; job < 20_000; job++) {
            long[] parts = new long[3];
            Parallel.forEach(3, (lo, hi) -> {
                for (int i = lo; i < hi; i++) parts[i] = i + 1;
            });
            sum[0] += parts[0] + parts[1] + parts[2];
        }
        assertEquals(20_000L * 6, sum[0]);
    }

    @Test
    void aWorkerParkedAfterLongIdleIsWokenForTheNextJob() throws InterruptedException {
        Parallel.setThreads(2);
        coversEveryIndexOnce(100, 1);
        Thread.sleep(5 * Parallel.SPIN_NANOS / 1_000_000 + 20); // the worker has stopped spinning and parked
        Set seen = new Set();
        // each chunk waits (a bounded while) for the other to start: the caller, which claims chunks too, takes the
        // second one only if the parked worker was never woken
        java.util.concurrent.CountDownLatch both = new java.util.concurrent.CountDownLatch(2);
        Parallel.forEach(2, (lo, hi) -> {
            seen.add(Thread.currentThread().getName());
            both.countDown();
            try {
                both.await(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertEquals(2, seen.size(), "both the caller and the worker ran a chunk: " + seen);
    }

    static final class Set {
        final java.util.Set<String> names = ConcurrentHashMap.newKeySet();

        void add(String s) {
            names.add(s);
        }

        int size() {
            return names.size();
        }

        @Override
        public String toString() {
            return names.toString();
        }
    }

    @Test
    void anErrorInAnyChunkIsRethrownOnTheCallerAndThePoolStaysUsable() {
        Parallel.setThreads(2);
        IllegalStateException boom = new IllegalStateException("boom");
        for (int bad : new int[] {0, 1}) {
            var e = assertThrows(IllegalStateException.class, () -> Parallel.forEach(2, (lo, hi) -> {
                if (lo == bad) throw boom;
            }));
            assertSame(boom, e);
            coversEveryIndexOnce(1000, 1);
        }
        var err = assertThrows(AssertionError.class, () -> Parallel.forEach(2, (lo, hi) -> {
            if (lo == 1) throw new AssertionError("worker error");
        }));
        assertEquals("worker error", err.getMessage());
        coversEveryIndexOnce(10, 1);
    }

    @Test
    void aNestedCallRunsOnItsOwnThreadWithoutDeadlock() {
        Parallel.setThreads(2);
        AtomicIntegerArray hits = new AtomicIntegerArray(2 * 50);
        Parallel.forEach(2, (lo, hi) -> {
            for (int o = lo; o < hi; o++) {
                int outer = o;
                Parallel.forRange(50, 1, (a, b) -> {
                    for (int i = a; i < b; i++) hits.incrementAndGet(outer * 50 + i);
                });
            }
        });
        for (int i = 0; i < 100; i++) assertEquals(1, hits.get(i), "index " + i);
    }

    @Test
    void concurrentCallersEachGetTheirWholeRangeDone() throws Exception {
        Parallel.setThreads(2);
        int callers = 4, n = 5000, rounds = 200;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int c = 0; c < callers; c++) {
            Thread t = new Thread(() -> {
                try {
                    start.await();
                    for (int r = 0; r < rounds; r++) coversEveryIndexOnce(n, 16);
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            ts.add(t);
            t.start();
        }
        start.countDown();
        for (Thread t : ts) t.join(60_000);
        for (Thread t : ts) assertTrue(!t.isAlive(), "a caller hung");
        assertTrue(errors.isEmpty(), errors.toString());
    }

    @Test
    void changingTheThreadCountReplacesThePool() {
        Parallel.setThreads(3);
        coversEveryIndexOnce(999, 1);
        Parallel.setThreads(2);
        coversEveryIndexOnce(999, 1);
        Parallel.setThreads(1);
        Set seen = new Set();
        Parallel.forEach(4, (lo, hi) -> seen.add(Thread.currentThread().getName()));
        assertEquals(1, seen.size(), "one thread runs everything: " + seen);
        assertThrows(IllegalArgumentException.class, () -> Parallel.setThreads(0));
    }

    @Test
    void balancedJobsCoverEveryIndexOnceInBlocksWithinTheirChunks() {
        for (int t : new int[] {1, 2, 3, 5})
            for (int n : new int[] {0, 1, 2, 7, 64, 1000, 4097})
                for (int block : new int[] {1, 3, 64, Integer.MAX_VALUE}) {
                    Parallel.setThreads(t);
                    AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
                    int b = block;
                    Parallel.forRangeBalanced(n, 2, block, (lo, hi) -> {
                        assertTrue(lo < hi && (hi - lo <= b || Parallel.threads() == 1 || hi - lo == n), "[" + lo + ", " + hi + ") is more than a block of " + b);
                        for (int i = lo; i < hi; i++) hits.incrementAndGet(i);
                    });
                    for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "index " + i + " of " + n + ", block " + block + ", " + t + " threads");
                }
        Parallel.setThreads(2);
        int[] sizes = {5, 0, 130, 1, 64};
        AtomicIntegerArray[] hits = new AtomicIntegerArray[sizes.length];
        for (int i = 0; i < sizes.length; i++) hits[i] = new AtomicIntegerArray(Math.max(1, sizes[i]));
        Parallel.forPartsBalanced(sizes, 1, 7, (part, lo, hi) -> {
            for (int j = lo; j < hi; j++) hits[part].incrementAndGet(j);
        });
        for (int i = 0; i < sizes.length; i++)
            for (int j = 0; j < sizes[i]; j++) assertEquals(1, hits[i].get(j), "part " + i + " index " + j);
        assertThrows(IllegalArgumentException.class, () -> Parallel.forRangeBalanced(10, 1, 0, (lo, hi) -> { }));
    }

    /**
     * A thread held up in its chunk's first block: the other thread, done with its own chunk, takes every other block
     * of the held chunk from its back, so the held block is the only one left when it resumes. Without that the count
     * would stop at 50 and the held block would wait out its 30 s.
     */
    @Test
    void aThreadDoneWithItsChunkTakesTheBackOfAHeldOne() throws InterruptedException {
        Parallel.setThreads(2);
        java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
        CountDownLatch rest = new CountDownLatch(1);
        Set helpers = new Set();
        boolean[] released = new boolean[1];
        Parallel.forRangeBalanced(100, 1, 10, (lo, hi) -> {
            if (lo == 0) {
                try {
                    released[0] = rest.await(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else {
                helpers.add(Thread.currentThread().getName() + (lo < 50 ? ":held chunk" : ":own chunk"));
                if (done.addAndGet(hi - lo) == 90) rest.countDown();
            }
        });
        assertTrue(released[0], "the blocks after the held one were run by the other thread: " + helpers);
    }

    /**
     * What a job's body captured is garbage once the job is over, though the workers that ran it then idle: a worker
     * kept the job in a local of its loop, which an interpreted frame holds while the thread waits (a prefill's rows
     * stayed reachable until the next job). The workers are made to idle interpreted, as they do before the JIT
     * compiles their loop, each round after a job whose chunks both threads run.
     */
    @Test
    void aFinishedJobsCapturesAreNotHeldByIdleWorkers() throws InterruptedException {
        Parallel.setThreads(2);
        for (int round = 0; round < 20; round++) {
            java.lang.ref.WeakReference<float[]> ref = jobOverNewRows();
            Thread.sleep(2 * Parallel.SPIN_NANOS / 1_000_000 + 5); // the worker has left the job and idles
            for (int i = 0; i < 10 && ref.get() != null; i++) System.gc();
            assertTrue(ref.get() == null, "round " + round + ": the job's captured rows are garbage");
        }
    }

    /** Runs a job whose two chunks (one on the caller, one on the worker) capture new rows; returns a weak reference to them. */
    static java.lang.ref.WeakReference<float[]> jobOverNewRows() {
        float[] rows = new float[1 << 16];
        java.util.concurrent.CountDownLatch both = new java.util.concurrent.CountDownLatch(2);
        Parallel.forEach(2, (lo, hi) -> {
            rows[lo] = lo;
            both.countDown();
            try {
                both.await(5, java.util.concurrent.TimeUnit.SECONDS); // both threads take a chunk
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return new java.lang.ref.WeakReference<>(rows);
    }
}
