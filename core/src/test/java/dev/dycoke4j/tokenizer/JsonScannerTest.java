package dev.dycoke4j.tokenizer;

import dev.dycoke4j.testing.Oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

/** The minimal JSON reader gives the same trees as Jackson's ObjectMapper, and rejects what it rejects. */
class JsonScannerTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode scan(String json) {
        JsonScanner s = new JsonScanner(json.getBytes(StandardCharsets.UTF_8));
        JsonNode node = s.readValue();
        s.expectEnd();
        return node;
    }

    @Test
    void sameTreesAsJackson() throws IOException {
        String json = "{\"s\": \"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\u4e2d\\ud83d\\ude00 Ġ日本\", \"i\": -42, "
                + "\"l\": 12345678901, \"big\": 123456789012345678901234567890, \"d\": -1.5e-3, \"z\": 0, "
                + "\"t\": true, \"f\": false, \"n\": null, \"a\": [], \"o\": {}, \"nested\": [[1, [2]], {\"k\": [3]}]}";
        assertEquals(MAPPER.readTree(json), scan(json));
        assertEquals("a\"b\\c/d\b\f\n\r\t\u00e9\u4e2d\uD83D\uDE00 Ġ日本", scan(json).get("s").asText());
    }

    @Test
    void wholeTinyTokenizerFileAsJackson() throws IOException {
        byte[] file = Files.readAllBytes(Oracle.model().resolve("tokenizer.json"));
        JsonNode expected = MAPPER.readTree(file);
        assertEquals(expected, new JsonScanner(file).readValue());
        assertEquals(500, expected.get("model").get("vocab").size());
    }

    @Test
    void integersFast() {
        JsonScanner s = new JsonScanner("[7, 151642, 0, 123456789012345678, -3]".getBytes(StandardCharsets.UTF_8));
        s.expect('[');
        long[] got = new long[5];
        for (int i = 0; i < 5; i++) {
            got[i] = s.readLong();
            s.more(']');
        }
        assertEquals("[7, 151642, 0, 123456789012345678, -3]", java.util.Arrays.toString(got));
    }

    @Test
    void rejectsInvalidJson() {
        assertEquals("invalid JSON: unpaired surrogate in \\u escape at line 1, column 8",
                assertThrows(IllegalArgumentException.class, () -> scan("\"\\ud83d x\"")).getMessage());
        assertEquals("invalid JSON: bad escape in string at line 1, column 3",
                assertThrows(IllegalArgumentException.class, () -> scan("\"a\\qb\"")).getMessage());
        assertEquals("invalid JSON: control character in string at line 1, column 3",
                assertThrows(IllegalArgumentException.class, () -> scan("\"a\nb\"")).getMessage());
        assertEquals("invalid JSON: expected a value at line 1, column 2",
                assertThrows(IllegalArgumentException.class, () -> scan("[01]")).getMessage());
        assertEquals("invalid JSON: expected ',' or ']' at line 1, column 4",
                assertThrows(IllegalArgumentException.class, () -> scan("[1 2]")).getMessage());
        assertEquals("invalid JSON: unexpected end of input at line 2, column 5",
                assertThrows(IllegalArgumentException.class, () -> scan("{\"a\":\n[1, ")).getMessage());
    }
}
