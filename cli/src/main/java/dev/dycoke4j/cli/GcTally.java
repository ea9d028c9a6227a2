package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/**
 * The JVM's collections since a point: how many and their total time, young and old apart. An old-generation
 * collection (the serial collector's is a full one) stops every thread for the whole heap, so a bench that measures
 * latencies says how many fell inside its window.
 */
final class GcTally {
    private final long[] start;

    private GcTally() {
        start = now();
    }

    /** Counts from now on. */
    static GcTally start() {
        return new GcTally();
    }

    /** Young collections, their milliseconds, old-generation collections, their milliseconds: since the JVM started. */
    static long[] now() {
        long[] t = new long[4];
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            int at = young(b) ? 0 : 2;
            t[at] += Math.max(0, b.getCollectionCount());
            t[at + 1] += Math.max(0, b.getCollectionTime());
        }
        return t;
    }

    /**
     * Whether the collector is a young generation's (the serial collector's Copy, the parallel one's PS Scavenge, G1's
     * young): by name, since G1's young collector lists the old generation's pool among its own.
     */
    static boolean young(GarbageCollectorMXBean b) {
        return java.util.Set.of("Copy", "PS Scavenge", "ParNew", "G1 Young Generation").contains(b.getName());
    }

    /** As {@link #now}, counted from {@link #start}. */
    private long[] since() {
        long[] t = now();
        for (int i = 0; i < t.length; i++) t[i] -= start[i];
        return t;
    }

    /** Seconds of young and of old-generation collections since {@link #start}. */
    double[] seconds() {
        long[] t = since();
        return new double[]{t[1] / 1e3, t[3] / 1e3};
    }

    /** The collections since {@link #start}, into {@code n} as {@code gc_young}, {@code gc_young_s}, {@code gc_old}, {@code gc_old_s}. */
    ObjectNode into(ObjectNode n) {
        long[] t = since();
        return n.put("gc_young", t[0]).put("gc_young_s", t[1] / 1e3).put("gc_old", t[2]).put("gc_old_s", t[3] / 1e3);
    }
}
