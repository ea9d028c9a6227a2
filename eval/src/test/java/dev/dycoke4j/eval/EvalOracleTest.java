package dev.dycoke4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Every case of the eval oracle (golden values from the original Python functions of DyCoke's lmms-eval copy) gives
 * exactly the expected value, compared as JSON with its types (4 is not 4.0), or the expected Python exception type.
 */
class EvalOracleTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static Path dir() {
        return Oracle.shared().resolve("eval-oracle");
    }

    static List<JsonNode> records() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir())) {
            for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList())
                for (String line : Files.readAllLines(f)) if (!line.isBlank()) out.add(JSON.readTree(line));
        }
        return out;
    }

    static Stream<Arguments> cases() throws IOException {
        return records().stream().filter(r -> !Replay.isMeta(r)).map(r -> Arguments.of(r.get("id").asText(), r));
    }

    /** The value as it reads back from JSON text, so that int and float nodes compare by their JSON form. */
    static JsonNode normalized(JsonNode n) throws IOException {
        return JSON.readTree(JSON.writeValueAsString(n));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTheOriginal(String id, JsonNode record) throws IOException {
        Replay.Outcome out = Replay.run(record);
        if (record.has("expected_error")) {
            assertEquals(record.get("expected_error").asText(), out.error(), id + " should raise");
            return;
        }
        assertNull(out.error(), id + " raised");
        JsonNode expected = record.get("kind").asText().equals("judge_request") ? record.get("request") : record.get("expected");
        assertEquals(normalized(expected), normalized(out.got() == null ? JSON.nullNode() : out.got()), id);
        if (record.has("retry_sleep_seconds"))
            assertEquals(record.get("retry_sleep_seconds").asInt(), out.sleptSeconds(), id + ": the copy's sleeps between retries");
    }

    @Test
    void theOracleHasAllItsCases() throws IOException {
        assertEquals(569, cases().count());
    }
}
