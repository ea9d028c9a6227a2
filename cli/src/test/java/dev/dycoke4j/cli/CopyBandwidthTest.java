package dev.dycoke4j.cli;

import dev.dycoke4j.parallel.Parallel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link CopyBandwidth} on buffers that split unevenly over the threads, and on one thread. */
class CopyBandwidthTest {
    @Test
    void aPositiveFiniteRateWhateverTheSplit() {
        int before = Parallel.threads();
        try {
            for (int t : new int[] {1, 2, 3}) {
                Parallel.setThreads(t);
                double bw = CopyBandwidth.measure((3L << 20) + 4096 * 3 + 100, 2);
                assertTrue(Double.isFinite(bw) && bw > 1e6, t + " threads: " + bw);
            }
        } finally {
            Parallel.setThreads(before);
        }
    }
}
