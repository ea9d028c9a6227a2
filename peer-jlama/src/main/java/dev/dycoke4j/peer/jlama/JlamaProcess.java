package dev.dycoke4j.peer.jlama;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Jlama in a child JVM ({@link JlamaChild}), started with this JVM's java, options and class path, and kept for all
 * runs of a bench, so that its JIT warms up across them as ours does. The two engines do not share a JVM because the
 * JIT's type profiles of the JDK's Vector API and memory-segment code are shared by all their callers: measured on
 * Zen 5 with the 0.5B model in int8, our decode took 17.1-17.5 ms per token (median) in runs alone, and 28-44 ms in
 * runs after a Jlama run in the same JVM, which had deoptimized our kernels and had them recompiled on profiles
 * that had seen Jlama's vectors and segments. Neither engine is used that way.
 */
final class JlamaProcess implements JlamaEngine {
    /** {@link JlamaText#WORKING_Q} by name: this JVM loads no Jlama class at all. */
    static final String WORKING_Q = "I8";

    private final Process process;
    private final PrintWriter requests;
    private final BufferedReader replies;

    JlamaProcess(Path dir, int threads, String workingQ) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), JlamaChild.class.getName(), dir.toString(), Integer.toString(threads), workingQ));
        try {
            process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a JVM for Jlama: " + e.getMessage(), e);
        }
        requests = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
        replies = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String first = reply();
        if (!first.equals("ready")) {
            close();
            throw new IllegalStateException("Jlama's process did not start: " + first);
        }
    }

    @Override
    public Run generate(int[] prompt, int newTokens) {
        String[] w = ask("generate " + newTokens + " " + JlamaChild.csv(prompt)).split(" ");
        return new Run(JlamaChild.ids(w[2]), Double.parseDouble(w[0]), Double.parseDouble(w[1]));
    }

    @Override
    public float[] nextLogits(int[] prompt) {
        String[] v = ask("logits " + JlamaChild.csv(prompt)).split(",");
        float[] r = new float[v.length];
        for (int i = 0; i < v.length; i++) r[i] = Float.parseFloat(v[i]);
        return r;
    }

    /** Sends one request; returns the reply after its {@code ok }, or throws with the child's error. */
    private String ask(String request) {
        requests.println(request);
        String r = reply();
        if (r.startsWith("ok ")) return r.substring(3);
        throw new IllegalStateException("Jlama failed: " + (r.startsWith("error ") ? r.substring(6) : r));
    }

    private String reply() {
        try {
            String line = replies.readLine();
            if (line != null) return line;
            int code = process.waitFor(10, TimeUnit.SECONDS) ? process.exitValue() : -1;
            throw new IllegalStateException("Jlama's process ended" + (code >= 0 ? " with exit code " + code : "") + " (its messages are above)");
        } catch (IOException e) {
            throw new UncheckedIOException("lost Jlama's process: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Jlama", e);
        }
    }

    @Override
    public void close() {
        requests.println("quit");
        requests.close();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
