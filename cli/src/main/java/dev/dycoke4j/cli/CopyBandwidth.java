package dev.dycoke4j.cli;

import dev.dycoke4j.parallel.Parallel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * This machine's memory bandwidth as decode sees it: bytes per second that {@link MemorySegment#copy} moves from one
 * off-heap buffer far larger than the caches to another, split over the engine's threads, best of a few passes. The
 * bound on decode speed it gives is {@code bandwidth / weight bytes per token}: a decode step streams every weight
 * once (a read, where a copy also writes, so a matvec at the bound runs at or slightly above this rate).
 */
final class CopyBandwidth {
    /** Bytes per buffer: far above any L3 here, small enough for a laptop. */
    static final long BYTES = 512L << 20;

    private CopyBandwidth() {
    }

    /** The best of {@code passes} copies of {@code bytes} (one chunk per thread), in bytes copied per second. */
    static double measure(long bytes, int passes) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment src = arena.allocate(bytes, 4096), dst = arena.allocate(bytes, 4096);
            src.fill((byte) 1); // touch every page before timing
            dst.fill((byte) 0);
            int chunks = Parallel.threads();
            long chunk = (bytes / chunks + 4095) & ~4095L;
            double best = 0;
            for (int p = 0; p < passes; p++) {
                long t0 = System.nanoTime();
                Parallel.forEach(chunks, (lo, hi) -> {
                    for (int c = lo; c < hi; c++) {
                        long off = c * chunk, len = Math.min(chunk, bytes - off);
                        if (len > 0) MemorySegment.copy(src, off, dst, off, len);
                    }
                });
                best = Math.max(best, bytes / ((System.nanoTime() - t0) / 1e9));
            }
            return best;
        }
    }
}
