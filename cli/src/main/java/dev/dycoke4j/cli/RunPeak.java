package dev.dycoke4j.cli;

import dev.dycoke4j.cache.TieredCache;
import dev.dycoke4j.platform.Bytes;

/** The start of a run whose peak resident memory is measured on its own ({@link Bytes#peakRss} at its end). */
final class RunPeak {
    private RunPeak() {
    }

    /**
     * Collects what earlier runs left on the heap, then resets the process's peak to what is resident now: without the
     * collection, the peak reset here would start from the previous run's garbage (a larger run's activation buffers,
     * still resident until a full collection gives the old generation's free part back), and each run's peak would be
     * the largest of those before it.
     */
    static void start() {
        System.gc();
        Bytes.resetPeakRss();
    }

    /**
     * As {@link #start()}, after emptying the memory tier of {@code prefixes}, the prefix cache, whose entries earlier
     * runs of other methods filled: its key holds the method's settings, so no run of another method can use them,
     * and a run fills its own entry from its first question; kept, they would count in this run's peak (a 32-frame
     * prefix of the 0.5B model is about 150 MB) though a user's run of this method never holds them.
     */
    static void start(TieredCache<?> prefixes) {
        prefixes.clearMemory();
        start();
    }
}
