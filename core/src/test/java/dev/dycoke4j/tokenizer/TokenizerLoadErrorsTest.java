package dev.dycoke4j.tokenizer;

import dev.dycoke4j.testing.Oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.dycoke4j.io.ModelFormatException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files that cannot be used fail with a one-line message naming the file and the problem. */
class TokenizerLoadErrorsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path dir;

    /** Asserts that loading fails with "tokenizer FILE: PROBLEM" on one line, PROBLEM ending with {@code suffix}. */
    private static void assertFails(Path file, String suffix) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(file));
        String message = e.getMessage();
        assertTrue(message.startsWith("tokenizer " + file + ": "), message);
        assertTrue(message.endsWith(suffix), message);
        assertEquals(-1, message.indexOf('\n'), message);
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }

    private Path write(String name, ObjectNode json) throws IOException {
        return write(name, MAPPER.writeValueAsString(json));
    }

    private static ObjectNode tiny() throws IOException {
        return (ObjectNode) MAPPER.readTree(Oracle.model().resolve("tokenizer.json").toFile());
    }

    @Test
    void missingFile() {
        assertFails(dir.resolve("absent.json"), ": file not found");
    }

    @Test
    void directory() {
        assertFails(dir, ": is a directory, not a file");
    }

    @Test
    void truncatedJson() throws IOException {
        String whole = Files.readString(Oracle.model().resolve("tokenizer.json"));
        Path file = write("truncated.json", whole.substring(0, whole.length() / 2));
        assertFails(file, ": invalid JSON: unexpected end of input at line 1, column " + (whole.length() / 2 + 1));
    }

    @Test
    void corruptJson() throws IOException {
        assertFails(write("corrupt.json", "{\"model\": {\"type\": \"BPE\", ]"),
                ": invalid JSON: expected '\"' at line 1, column 27");
        assertFails(write("empty.json", ""), ": invalid JSON: unexpected end of input at line 1, column 1");
        assertFails(write("array.json", "[1, 2]"), ": not a JSON object");
        assertFails(write("binary.json", "\u0000\u0001garbage"), ": invalid JSON: expected a value at line 1, column 1");
        assertFails(write("twolines.json", "{\n\"a\": tru}"), ": invalid JSON: expected a value at line 2, column 6");
        assertFails(write("trailing.json", "{} {}"),
                ": invalid JSON: unexpected content after the JSON value at line 1, column 4");
    }

    @Test
    void otherModelType() throws IOException {
        ObjectNode json = tiny();
        ((ObjectNode) json.get("model")).put("type", "WordPiece");
        assertFails(write("wordpiece.json", json), ": unsupported model type 'WordPiece' (only BPE is supported)");
    }

    @Test
    void noModel() throws IOException {
        ObjectNode json = tiny();
        json.remove("model");
        assertFails(write("nomodel.json", json), ": no 'model' section");
    }

    @Test
    void mergeOutsideVocabulary() throws IOException {
        ObjectNode json = tiny();
        ((ArrayNode) json.get("model").get("merges")).add("q z");
        assertFails(write("badmerge.json", json), ": model.merges entry 41 ('q' 'z') is not in model.vocab");
    }

    @Test
    void unsupportedSections() throws IOException {
        ObjectNode json = tiny();
        json.set("normalizer", MAPPER.readTree("{\"type\": \"Lowercase\"}"));
        assertFails(write("lower.json", json), ": unsupported normalizer type 'Lowercase'");

        json = tiny();
        json.set("pre_tokenizer", MAPPER.readTree("{\"type\": \"Whitespace\"}"));
        assertFails(write("ws.json", json), ": unsupported pre_tokenizer type 'Whitespace'");

        json = tiny();
        json.set("decoder", MAPPER.readTree("{\"type\": \"WordPiece\"}"));
        assertFails(write("dec.json", json), ": unsupported decoder type 'WordPiece' (only ByteLevel)");
    }

    @Test
    void anUntouchedCopyLoads() throws IOException {
        Tokenizer copy = Tokenizer.load(write("copy.json", tiny()));
        assertEquals(504, copy.vocabSize());
        assertEquals(java.util.OptionalInt.of(501), copy.tokenId("<video>"));
    }
}
