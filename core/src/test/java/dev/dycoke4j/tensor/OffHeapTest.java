package dev.dycoke4j.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OffHeapTest {
    @Test
    void blocksAreZeroedWritableAndExactlyAsLargeAsAsked() {
        for (long n : new long[] {0, 1, 4097, OffHeap.HUGE - 1, OffHeap.HUGE, 3 * OffHeap.HUGE + 17}) {
            MemorySegment s = OffHeap.allocate(n);
            assertEquals(n, s.byteSize());
            assertEquals(0, s.address() % 64, "aligned to 64");
            for (long o = 0; o < n; o += 4093) assertEquals(0, s.get(ValueLayout.JAVA_BYTE, o));
            if (n > 0) {
                s.set(ValueLayout.JAVA_BYTE, n - 1, (byte) 7);
                assertEquals(7, s.get(ValueLayout.JAVA_BYTE, n - 1));
                assertThrows(IndexOutOfBoundsException.class, () -> s.get(ValueLayout.JAVA_BYTE, n));
            }
        }
        assertThrows(IllegalArgumentException.class, () -> OffHeap.allocate(-1));
    }

    @Test
    void largeBlocksAreMappedOnHugePageBoundariesOnLinux() {
        boolean linux = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");
        // the tests run with native access enabled, as the launcher does
        assertEquals(linux && OffHeap.class.getModule().isNativeAccessEnabled() && !Boolean.getBoolean("dycoke.noHugePages"), OffHeap.hugePagesAdvised());
        if (OffHeap.hugePagesAdvised()) {
            int granted = OffHeap.hugePageBlocks(), refused = OffHeap.refusedHugePageBlocks();
            MemorySegment s = OffHeap.allocate(5 * OffHeap.HUGE + 3);
            assertEquals(granted + refused + 1, OffHeap.hugePageBlocks() + OffHeap.refusedHugePageBlocks(), "the advice's result is recorded");
            // a kernel with transparent huge pages (it has this file, whatever the mode) accepts the advice
            if (java.nio.file.Files.exists(java.nio.file.Path.of("/sys/kernel/mm/transparent_hugepage/enabled"))) {
                assertEquals(granted + 1, OffHeap.hugePageBlocks());
                assertEquals(refused == 0, OffHeap.hugePagesGranted());
            }
            OffHeap.allocate(OffHeap.HUGE - 1);
            assertEquals(granted + refused + 1, OffHeap.hugePageBlocks() + OffHeap.refusedHugePageBlocks(), "small blocks are not advised");
            assertEquals(0, s.address() % OffHeap.HUGE);
            s.fill((byte) 1);
            assertEquals(1, s.get(ValueLayout.JAVA_BYTE, s.byteSize() - 1));
        }
    }

    @Test
    void aMappingIsUnmappedOnceItsSegmentIsUnreachable() throws Exception {
        if (!OffHeap.hugePagesAdvised()) return; // plain Arena memory elsewhere, freed by the JDK
        long address = touch(OffHeap.allocate(8 * OffHeap.HUGE));
        assertTrue(mapped(address), "the block is in /proc/self/maps while in use");
        for (int i = 0; i < 100 && mapped(address); i++) {
            System.gc();
            Thread.sleep(50);
        }
        assertTrue(!mapped(address), "unmapped after the segment became unreachable");
    }

    private static long touch(MemorySegment s) {
        s.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
        return s.address();
    }

    /** Whether some mapping of this process covers {@code address}. */
    private static boolean mapped(long address) throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/maps"))) {
            String[] range = line.substring(0, line.indexOf(' ')).split("-");
            if (Long.compareUnsigned(Long.parseUnsignedLong(range[0], 16), address) <= 0 && Long.compareUnsigned(address, Long.parseUnsignedLong(range[1], 16)) < 0)
                return true;
        }
        return false;
    }
}
