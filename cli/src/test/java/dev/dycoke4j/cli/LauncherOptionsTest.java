package dev.dycoke4j.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code scripts/jvm.options}, the argument file {@code ./dycoke} starts the engine's JVM with: this JDK accepts it,
 * and it selects the serial collector (the heap grown only as far as the live data needs), the Vector API and native
 * access; a full collection gives a finished stage's garbage back to the system.
 */
class LauncherOptionsTest {
    static final Path OPTIONS = Path.of("..", "scripts", "jvm.options");

    @Test
    void theLaunchersOptionsStartThisJdkWithTheSerialCollector() throws IOException, InterruptedException {
        assertTrue(Files.isRegularFile(OPTIONS), OPTIONS.toAbsolutePath() + " exists");
        assertTrue(Files.readString(Path.of("..", "dycoke")).contains("@\"$root/scripts/jvm.options\""), "./dycoke starts java with the argument file");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(java.toString(), "@" + OPTIONS, "-XX:+PrintFlagsFinal", "-version"))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertTrue(flag(out, "UseSerialGC"), "the serial collector");
        assertTrue(!flag(out, "UseParallelGC") && !flag(out, "UseG1GC"), "no other collector");
        assertTrue(out.contains("jdk.incubator.vector"), "the Vector API module is added (the JVM says so)");
    }

    /**
     * A JVM started with the options holds a 256 MiB array (resident: every element written), drops it and collects:
     * its resident set falls by more than half the array (what stays is about the heap's starting size). The JVM's
     * defaults would keep it all, in the old generation's starting size (1/64 of the machine's memory) or, above that,
     * in the free part a first collection does not give back.
     */
    @Test
    void aFullCollectionGivesAFinishedStagesBuffersBack() throws IOException, InterruptedException {
        assumeTrue(Files.isReadable(Path.of("/proc/self/status")), "resident memory is read from /proc (Linux)");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(java.toString(), "@" + OPTIONS, "-cp", System.getProperty("java.class.path"),
                DropsABuffer.class.getName())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        String[] w = out.lines().filter(l -> l.startsWith("rss ")).findFirst().orElseThrow(() -> new AssertionError(out)).split(" ");
        long held = Long.parseLong(w[1]), after = Long.parseLong(w[2]);
        assertTrue(held - after > 128L << 20, "resident with the array " + (held >> 20) + " MiB, after a collection " + (after >> 20) + " MiB");
    }

    /**
     * Native memory (the packed weights) is not capped at the heap's maximum: with a 160 MiB heap (the options start it
     * at 128), they let a child JVM allocate a 512 MiB native segment, which the JVM's default limit (the heap's
     * maximum) refuses.
     */
    @Test
    void nativeWeightsAreNotCappedByTheHeapsMaximum() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(java.toString(), "@" + OPTIONS, "-Xmx160m", "-cp", System.getProperty("java.class.path"),
                AllocatesNative.class.getName())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("allocated 536870912"), out);
    }

    /** The child JVM of the test above: allocates 512 MiB of native memory and says so. */
    static final class AllocatesNative {
        public static void main(String[] args) {
            // an automatic arena, as the packed panels use: its segments count against the JVM's direct-memory limit
            System.out.println("allocated " + java.lang.foreign.Arena.ofAuto().allocate(512L << 20, 64).byteSize());
        }
    }

    /** The child JVM of the test above: prints "rss HELD AFTER" in bytes. */
    static final class DropsABuffer {
        static float[] buffer;

        public static void main(String[] args) throws IOException {
            buffer = new float[64 << 20];
            java.util.Arrays.fill(buffer, 1f);
            long held = rss();
            buffer = null;
            System.gc();
            System.out.println("rss " + held + " " + rss());
        }

        static long rss() throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
            throw new IOException("no VmRSS in /proc/self/status");
        }
    }

    /** A boolean flag's value in {@code -XX:+PrintFlagsFinal}'s table: "bool UseSerialGC = true {product} ...". */
    static boolean flag(String table, String name) {
        for (String line : table.split("\n")) {
            String[] w = line.trim().split("\\s+");
            if (w.length >= 4 && w[0].equals("bool") && w[1].equals(name)) return w[3].equals("true");
        }
        throw new AssertionError("no flag " + name + " in the JVM's table");
    }
}
