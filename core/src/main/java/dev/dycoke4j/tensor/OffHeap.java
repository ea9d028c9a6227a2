package dev.dycoke4j.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Zeroed off-heap memory for weights the engine makes itself (int8 quants and scales), on transparent huge pages
 * where Linux offers them. Decode streams every weight once per token: with 4 KiB pages that is a TLB miss every
 * 4 KiB, 150 thousand per token for the 0.5B model in int8. Linux backs anonymous memory with 2 MiB pages only in
 * regions the program asks for ({@code madvise(MADV_HUGEPAGE)}, the default setting "madvise"), and before the pages
 * are first touched, which {@link Arena#allocate} does when it zeroes them. So large blocks are mapped here with
 * {@code mmap}, aligned to 2 MiB, advised, and unmapped when the segment is no longer reachable. Elsewhere (another
 * OS, native access not enabled for this module, or a call that fails) this is {@code Arena.ofAuto().allocate}.
 */
public final class OffHeap {
    static final long HUGE = 2L << 20;
    private static final int PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MADV_HUGEPAGE = 14;
    private static final Native NATIVE = Native.find();
    /** Large blocks whose advice the kernel accepted, and refused (e.g. a kernel without transparent huge pages). */
    private static final AtomicInteger GRANTED = new AtomicInteger(), REFUSED = new AtomicInteger();

    private OffHeap() {
    }

    /** The libc calls, or null where they are not to be used. */
    private record Native(MethodHandle mmap, MethodHandle madvise, MethodHandle munmap) {
        @SuppressWarnings("restricted") // three libc calls with their C signatures; used only with native access enabled
        static Native find() {
            try {
                if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) return null;
                if (!OffHeap.class.getModule().isNativeAccessEnabled()) return null;
                if (Boolean.getBoolean("dycoke.noHugePages")) return null;
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                ValueLayout size = ValueLayout.JAVA_LONG;
                MethodHandle mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS, size, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, size));
                MethodHandle madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, size, ValueLayout.JAVA_INT));
                MethodHandle munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, size));
                return new Native(mmap, madvise, munmap);
            } catch (RuntimeException | LinkageError e) {
                return null;
            }
        }
    }

    /** Whether large blocks come from advised {@code mmap} here (Linux, native access enabled). */
    public static boolean hugePagesAdvised() {
        return NATIVE != null;
    }

    /** Large blocks so far whose {@code madvise(MADV_HUGEPAGE)} succeeded. */
    public static int hugePageBlocks() {
        return GRANTED.get();
    }

    /** Large blocks so far whose {@code madvise(MADV_HUGEPAGE)} failed: they live on 4 KiB pages. */
    public static int refusedHugePageBlocks() {
        return REFUSED.get();
    }

    /** Whether huge pages were granted: at least one large block was advised, and the kernel refused none. */
    public static boolean hugePagesGranted() {
        return GRANTED.get() > 0 && REFUSED.get() == 0;
    }

    /**
     * {@code bytes} zeroed bytes aligned to 64, freed once unreachable. From 2 MiB on, on Linux, mapped on their own
     * and advised for huge pages.
     */
    public static MemorySegment allocate(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative size " + bytes);
        MemorySegment s = NATIVE != null && bytes >= HUGE ? mapped(bytes) : null;
        return s != null ? s : Arena.ofAuto().allocate(bytes, 64);
    }

    /** An advised anonymous mapping of at least {@code bytes}, its start 2 MiB-aligned; null if mmap fails. */
    @SuppressWarnings("restricted") // the segment is sized to the mapping, which lives until the segment is unreachable
    private static MemorySegment mapped(long bytes) {
        long whole = (bytes + HUGE - 1) / HUGE * HUGE, len = whole + HUGE; // room to align the start
        MemorySegment base;
        try {
            base = (MemorySegment) NATIVE.mmap.invokeExact(MemorySegment.NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
        } catch (Throwable e) {
            return null;
        }
        long addr = base.address();
        if (addr == -1L || addr == 0L) return null; // MAP_FAILED
        long start = (addr + HUGE - 1) / HUGE * HUGE;
        MemorySegment region = MemorySegment.ofAddress(start);
        int advice; // only advice: the mapping works without it, on small pages
        try {
            advice = (int) NATIVE.madvise.invokeExact(region, whole, MADV_HUGEPAGE);
        } catch (Throwable e) {
            advice = -1;
        }
        (advice == 0 ? GRANTED : REFUSED).incrementAndGet();
        MethodHandle munmap = NATIVE.munmap;
        return region.reinterpret(bytes, Arena.ofAuto(), unused -> unmap(munmap, addr, len));
    }

    private static void unmap(MethodHandle munmap, long addr, long len) {
        try {
            int ignored = (int) munmap.invokeExact(MemorySegment.ofAddress(addr), len);
        } catch (Throwable e) {
            // nothing to do: the process keeps the mapping
        }
    }
}
