package dev.dycoke4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The arena's cells as JSON Lines, one appended per cell as soon as it is measured, so that an interrupted grid resumes
 * where it stopped. Every line carries the grid's setup (model, video, frames, steps, question); a file of another
 * setup is refused rather than mixed in. A line cut short by an interruption is ignored.
 */
final class ArenaLog {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final ObjectNode setup;
    private final Map<String, JsonNode> done = new LinkedHashMap<>();

    private ArenaLog(Path file, ObjectNode setup) {
        this.file = file;
        this.setup = setup;
    }

    /** The cells {@code file} holds for {@code setup} (none when it does not exist). */
    static ArenaLog open(Path file, ObjectNode setup) throws IOException {
        ArenaLog log = new ArenaLog(file, setup);
        if (!Files.exists(file)) return log;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            JsonNode cell;
            try {
                cell = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                continue; // the last line of an interrupted run
            }
            if (!setup.equals(cell.path("setup")))
                throw new UsageException(file + " holds cells of another grid (" + cell.path("setup") + ", not " + setup + "): use another --out");
            log.done.put(id(cell), cell);
        }
        return log;
    }

    /** A cell's identity: the method as named, the ratio, the budget, and the method's options. */
    static String id(JsonNode cell) {
        return id(cell.path("method").asText(), cell.path("ratio").asDouble(), cell.path("budget").asText(), cell.path("key").asText());
    }

    static String id(String method, double ratio, String budget, String key) {
        return method + "@" + ratio + "/" + budget + "/" + key;
    }

    /** The cell of that identity measured before, or null. */
    JsonNode done(String id) {
        return done.get(id);
    }

    /** Every cell, in the order measured. */
    List<JsonNode> cells() {
        return new ArrayList<>(done.values());
    }

    /** Records {@code cell} with the setup, on its own line at the end of the file. */
    void append(ObjectNode cell) throws IOException {
        ObjectNode line = JSON.createObjectNode();
        line.set("setup", setup);
        line.setAll(cell);
        String text = JSON.writeValueAsString(line) + "\n";
        if (Files.exists(file) && Files.size(file) > 0 && !endsWithNewline(file)) text = "\n" + text;
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        done.put(id(line), line);
    }

    private static boolean endsWithNewline(Path file) throws IOException {
        try (var ch = Files.newByteChannel(file)) {
            ch.position(ch.size() - 1);
            var b = java.nio.ByteBuffer.allocate(1);
            ch.read(b);
            return b.get(0) == '\n';
        }
    }
}
