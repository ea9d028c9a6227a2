package dev.dycoke4j.peer.llamacpp;

import dev.dycoke4j.peer.TextEngine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * llama.cpp in a Node.js process running {@code llamacpp-bench.mjs} (see {@link NodeLlamaCpp}), kept for all runs of a
 * bench: one JSON line per request and per reply on its standard streams. Its own log goes to our standard error.
 */
final class LlamaCppProcess implements TextEngine {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final PrintWriter requests;
    private final BufferedReader replies;
    private final PrintWriter err;
    /** The ready line's facts: llama.cpp's release, whether flash attention is on, threads, context and batch sizes. */
    final JsonNode info;

    LlamaCppProcess(Path script, Path gguf, int threads, int contextSize, PrintWriter err) {
        this.err = err;
        List<String> cmd = List.of(NodeLlamaCpp.node(), script.toString(), gguf.toString(), Integer.toString(threads), Integer.toString(contextSize));
        try {
            process = new ProcessBuilder(cmd).directory(script.getParent().toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Node.js for llama.cpp: " + e.getMessage(), e);
        }
        requests = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
        replies = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        JsonNode first;
        try {
            first = reply();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        if (!first.path("ready").asBoolean()) {
            close();
            throw new IllegalStateException("llama.cpp did not start: " + first.path("error").asText(first.toString()));
        }
        info = first;
    }

    @Override
    public Run generate(int[] prompt, int newTokens) {
        ObjectNode req = JSON.createObjectNode().put("generate", newTokens);
        var ids = req.putArray("ids");
        for (int id : prompt) ids.add(id);
        requests.println(req.toString());
        JsonNode r = reply();
        if (r.has("error")) throw new IllegalStateException("llama.cpp failed: " + r.get("error").asText());
        int[] tokens = new int[r.path("tokens").size()];
        for (int i = 0; i < tokens.length; i++) tokens[i] = r.get("tokens").get(i).asInt();
        if (tokens.length != newTokens) throw new IllegalStateException("llama.cpp made " + tokens.length + " tokens, not " + newTokens);
        return new Run(tokens, r.path("prefill_s").asDouble(), r.path("decode_s").asDouble());
    }

    /** The next JSON line; other lines (a library's notes on standard output) go to the error output. */
    private JsonNode reply() {
        try {
            for (String line; (line = replies.readLine()) != null; ) {
                if (line.startsWith("{")) return JSON.readTree(line);
                err.println("  llama.cpp: " + line);
            }
            int code = process.waitFor(10, TimeUnit.SECONDS) ? process.exitValue() : -1;
            throw new IllegalStateException("llama.cpp's Node.js process ended" + (code >= 0 ? " with exit code " + code : "") + " (its messages are above)");
        } catch (IOException e) {
            throw new UncheckedIOException("lost llama.cpp's Node.js process: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for llama.cpp", e);
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
