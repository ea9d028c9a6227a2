package dev.dycoke4j.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code scripts/jvm.options}, the argument file {@code ./dycoke} starts the engine's JVM with: this JDK accepts it,
 * and it selects the serial collector (the heap grown only as far as the live data needs), the Vector API and native
 * access.
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

    /** A boolean flag's value in {@code -XX:+PrintFlagsFinal}'s table: "bool UseSerialGC = true {product} ...". */
    static boolean flag(String table, String name) {
        for (String line : table.split("\n")) {
            String[] w = line.trim().split("\\s+");
            if (w.length >= 4 && w[0].equals("bool") && w[1].equals(name)) return w[3].equals("true");
        }
        throw new AssertionError("no flag " + name + " in the JVM's table");
    }
}
