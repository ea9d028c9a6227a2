package dev.dycoke4j.cli;

import dev.dycoke4j.kernel.VectorWidth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a benchmark figure depends on besides the code: the CPU, the vector width the kernels use, the cores, the JDK,
 * and the commit of the sources the engine was built from, with whether they had uncommitted changes. Recorded with
 * every {@code bench} run, so that figures from different machines or trees are never quoted as one.
 *
 * @param commit null when the sources are not a git checkout (or git is missing)
 * @param dirty  null when unknown
 */
record MachineInfo(String cpu, int logicalCores, int vectorBits, String jdk, String os, String commit, Boolean dirty) {
    /** This process's machine, and the commit of the checkout the running classes were built in. */
    static MachineInfo current() {
        Path root = checkoutRoot();
        String commit = root == null ? null : git(root, "rev-parse", "HEAD");
        String status = commit == null ? null : git(root, "status", "--porcelain", "--untracked-files=no");
        return new MachineInfo(cpuModel(), Runtime.getRuntime().availableProcessors(), VectorWidth.bits(),
                Runtime.version() + " (" + System.getProperty("java.vendor", "?") + ")",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                commit, status == null ? null : !status.isBlank());
    }

    /** The fields, for a JSON object. */
    Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu", cpu);
        m.put("logical_cores", logicalCores);
        m.put("vector_bits", vectorBits);
        m.put("jdk", jdk);
        m.put("os", os);
        m.put("commit", commit);
        m.put("dirty", dirty);
        return m;
    }

    /** One line for a report. */
    String line() {
        return cpu + ", " + logicalCores + " logical cores, " + vectorBits + "-bit vectors, JDK " + jdk + ", commit "
                + (commit == null ? "unknown" : commit.substring(0, Math.min(12, commit.length())) + (Boolean.TRUE.equals(dirty) ? " (dirty tree)" : ""));
    }

    /** The CPU's model name from /proc/cpuinfo, or the architecture where there is none. */
    static String cpuModel() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8))
                if (l.startsWith("model name")) return l.substring(l.indexOf(':') + 1).strip();
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        return System.getProperty("os.arch");
    }

    /** The checkout the running classes come from: the parent of the module whose target folder holds them. */
    private static Path checkoutRoot() {
        try {
            Path p = Path.of(MachineInfo.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
            for (Path d = p; d != null; d = d.getParent()) if (Files.exists(d.resolve(".git"))) return d;
        } catch (Exception e) {
            // no code source: unknown
        }
        return null;
    }

    /** A git command's trimmed output in {@code dir}, or null when it fails or takes over 10 seconds. */
    static String git(Path dir, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return null;
            }
            return new String(out, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
