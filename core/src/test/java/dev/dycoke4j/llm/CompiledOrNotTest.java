package dev.dycoke4j.llm;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model's logits have the same bits whether its kernels run interpreted or compiled: the Vector API's
 * {@code reduceLanes(ADD)} and {@code lanewise(EXP)} do not (their compiled forms add in another order and call a
 * native exp), so a run's last bits once depended on when the JIT got to a kernel, and two runs in one JVM differed.
 */
class CompiledOrNotTest {
    /**
     * C1 does not compile the Vector API's intrinsics, so a JVM stopped at C1 runs their Java fallbacks throughout; a
     * default JVM that compiles synchronously ({@code -Xbatch}) runs its first pass mostly on those and its later passes
     * on C2's intrinsics. All the passes give one hash (before the kernels avoided the two operations, the C2 passes
     * gave another).
     */
    @Test
    void interpretedAndCompiledRunsGiveTheSameBits() throws Exception {
        List<String> fallback = probe(1, "-XX:TieredStopAtLevel=1");
        List<String> jit = probe(3, "-Xbatch");
        assertEquals(1, fallback.size(), fallback.toString());
        assertEquals(List.of(fallback.get(0), fallback.get(0), fallback.get(0)), jit, "the C2-compiled passes against the fallbacks'");
    }

    /** The hashes of {@code runs} passes of the probe in a new JVM with {@code flags}. */
    private static List<String> probe(int runs, String... flags) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(List.of(flags));
        cmd.addAll(List.of("--add-modules", "jdk.incubator.vector", "-XX:-PrintWarnings", "-Xmx1g",
                "-cp", System.getProperty("java.class.path"), CompiledOrNotProbe.class.getName(), Integer.toString(runs)));
        for (String p : List.of("dycoke.vector.bits", "dycoke.shared")) {
            String v = System.getProperty(p);
            if (v != null) cmd.add(cmd.size() - 2, "-D" + p + "=" + v);
        }
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = proc.getInputStream().readAllBytes();
        assertTrue(proc.waitFor(5, TimeUnit.MINUTES), "probe " + flags[0] + " did not end");
        String text = new String(out, StandardCharsets.UTF_8).strip();
        assertEquals(0, proc.exitValue(), "probe " + flags[0] + ": " + text);
        return text.lines().filter(l -> l.matches("[0-9a-f]{64}")).toList();
    }
}
