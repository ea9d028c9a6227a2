package dev.dycoke4j.eval.run;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An append-only file of JSON objects, one a line, each written whole and forced to disk before {@link #append}
 * returns: the durable state of a run. Opening it reads what is there; a last line without its line break (the
 * process was killed while writing it) is cut off and counted, so that appends start on a clean line. A complete line
 * that is not a JSON object is damage this class did not make: it is refused with the file and line number.
 */
public final class JsonLog implements AutoCloseable {
    static final ObjectMapper JSON = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    private final Path file;
    private final FileChannel channel;
    private final List<ObjectNode> records = new ArrayList<>();
    private final Set<String> keys = new HashSet<>();
    private final int droppedPartial;

    private JsonLog(Path file) throws IOException {
        this.file = file;
        byte[] bytes = Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') end--;
        this.droppedPartial = end < bytes.length ? 1 : 0;
        String text = new String(bytes, 0, end, StandardCharsets.UTF_8);
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isBlank()) continue;
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (JacksonException e) {
                throw new IllegalArgumentException(file + ":" + lineNo + ": not a JSON object (" + e.getOriginalMessage() + "); the file is damaged");
            }
            if (!(n instanceof ObjectNode o)) throw new IllegalArgumentException(file + ":" + lineNo + ": not a JSON object; the file is damaged");
            records.add(o);
            keys.add(key(o));
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        if (droppedPartial > 0) {
            channel.truncate(end);
            channel.force(true);
        }
        channel.position(channel.size());
    }

    /** Opens (or creates) {@code file}. */
    public static JsonLog open(Path file) {
        try {
            return new JsonLog(file);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot open (" + e.getMessage() + ")", e);
        }
    }

    /** The key of a record: its task, document and cell. */
    public static String key(JsonNode r) {
        return key(r.path("task").asText(), r.path("doc_id").asInt(-1), r.path("cell").asText());
    }

    public static String key(String task, int docId, String cell) {
        return task + '\u0000' + docId + '\u0000' + cell;
    }

    /** The records read at opening and appended since, in order. */
    public List<ObjectNode> records() {
        return Collections.unmodifiableList(records);
    }

    /** Whether a record with this key is there. */
    public boolean has(String key) {
        return keys.contains(key);
    }

    /** 1 when opening cut off a partial last line, else 0. */
    public int droppedPartial() {
        return droppedPartial;
    }

    public Path file() {
        return file;
    }

    /** Appends {@code record} as one line and forces it to disk. */
    public synchronized void append(ObjectNode record) {
        try {
            ByteBuffer buf = ByteBuffer.wrap((JSON.writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) channel.write(buf);
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot append (" + e.getMessage() + ")", e);
        }
        records.add(record);
        keys.add(key(record));
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot close (" + e.getMessage() + ")", e);
        }
    }
}
