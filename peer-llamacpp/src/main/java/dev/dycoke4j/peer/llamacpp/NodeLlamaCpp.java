package dev.dycoke4j.peer.llamacpp;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The npm package {@code node-llama-cpp} (llama.cpp's prebuilt binaries, with Node.js bindings) at a pinned version,
 * installed with {@code npm} on first use into a folder of the dycoke cache, and the script that drives it
 * ({@code llamacpp-bench.mjs}, copied next to its {@code node_modules}). The {@code node} and {@code npm} commands are
 * taken from the PATH, or from the system properties {@code dycoke.node} and {@code dycoke.npm}.
 */
final class NodeLlamaCpp {
    /** The version installed and driven; newer releases may not install with {@code npm ci} on every platform. */
    static final String VERSION = "3.21.1";
    static final String SCRIPT = "llamacpp-bench.mjs";
    static final String MISSING = "llama.cpp runs through Node.js: install node (20 or newer) and npm, e.g. 'apt-get install nodejs npm', then run again";

    private NodeLlamaCpp() {
    }

    static String node() {
        return System.getProperty("dycoke.node", "node");
    }

    static String npm() {
        return System.getProperty("dycoke.npm", "npm");
    }

    /** The script to run with {@link #node()} from {@code dir}, installing node-llama-cpp there first unless it is. */
    static Path ensure(Path dir, PrintWriter err) throws IOException, InterruptedException {
        require(node());
        if (!installed(dir)) {
            require(npm());
            err.println("dycoke bench: installing node-llama-cpp " + VERSION + " (llama.cpp's prebuilt CPU build) into " + dir + " with npm (once)");
            err.flush();
            Files.createDirectories(dir);
            List<String> cmd = List.of(npm(), "install", "--prefix", dir.toString(), "--no-audit", "--no-fund", "--loglevel=error",
                    "node-llama-cpp@" + VERSION);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            // npm's messages go with our progress lines, never to standard output (which may carry the JSON)
            String last = copy(p.getInputStream(), err);
            int code = p.waitFor();
            if (code != 0 || !installed(dir))
                throw new IllegalStateException("'" + String.join(" ", cmd) + "' failed (exit code " + code + ")" + (last.isEmpty() ? "" : ": " + last));
        }
        Path script = dir.resolve(SCRIPT);
        try (InputStream in = NodeLlamaCpp.class.getResourceAsStream(SCRIPT)) {
            if (in == null) throw new IllegalStateException(SCRIPT + " is missing from the peer-llamacpp jar");
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        return script;
    }

    /** Whether {@code dir} holds node-llama-cpp at {@link #VERSION}. */
    static boolean installed(Path dir) throws IOException {
        Path pkg = dir.resolve("node_modules").resolve("node-llama-cpp").resolve("package.json");
        return Files.isRegularFile(pkg) && VERSION.equals(new ObjectMapper().readTree(pkg.toFile()).path("version").asText());
    }

    /** Fails with {@link #MISSING} unless {@code command --version} runs. */
    static void require(String command) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(command, "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor() == 0) return;
        } catch (IOException e) {
            // not found or not runnable: said below
        }
        throw new IllegalStateException(MISSING + " ('" + command + "' did not run)");
    }

    private static String copy(InputStream in, PrintWriter err) throws IOException {
        String last = "";
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                err.println("  npm: " + line);
                if (!line.isBlank()) last = line.strip();
            }
        }
        err.flush();
        return last;
    }
}
