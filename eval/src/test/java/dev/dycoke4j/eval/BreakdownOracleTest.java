package dev.dycoke4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The breakdowns are what the copy's aggregations log: every aggregate case of the eval oracle for Video-MME (with and
 * without subtitles) and LongVideoBench, rendered as the copy's log lines, equals the lines it logged; a case whose
 * aggregation raises raises the same error in the breakdown.
 */
class BreakdownOracleTest {
    private static final Map<String, String> VIDEOMME_LOG = Map.of("duration", "Evaluation on video Type: ", "domain", "Evaluation on Categories: ",
            "sub_category", "Evaluation on Video Sub Categories: ", "task_type", "Evaluation on Task Categories: ");

    static Stream<Arguments> cases() throws IOException {
        return EvalOracleTest.records().stream()
                .filter(r -> r.path("kind").asText().equals("aggregate"))
                .filter(r -> r.path("task").asText().startsWith("videomme") || r.path("task").asText().startsWith("longvideobench"))
                .map(r -> Arguments.of(r.get("id").asText(), r));
    }

    @SuppressWarnings("unchecked")
    private static List<Object> items(JsonNode record) {
        return (List<Object>) PyJson.fromJson(record.get("items"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    @SuppressWarnings("unchecked")
    void breakdownIsWhatTheCopyLogs(String id, JsonNode record) {
        Task task = Tasks.get(record.get("task").asText());
        String metric = record.get("metric").asText();
        if (record.has("expected_error")) {
            PyError e = assertThrows(PyError.class, () -> task.breakdown(metric, items(record)), id);
            assertEquals(record.get("expected_error").asText(), e.type(), id);
            return;
        }
        Breakdown b = task.breakdown(metric, items(record));
        assertNotNull(b, id);
        List<String> logged = new ArrayList<>();
        record.get("logs").forEach(l -> logged.add(l.asText()));
        if (task instanceof VideoMme) {
            List<String> ours = new ArrayList<>();
            b.dimensions().forEach((dim, groups) -> groups.forEach((name, g) ->
                    ours.add(VIDEOMME_LOG.get(dim) + name + ": " + String.format(Locale.ROOT, " %.1f", g.score()) + "%")));
            assertEquals(logged.subList(0, logged.size() - 1), ours, id);
            long n = b.dimensions().get("duration").values().stream().mapToLong(Breakdown.Group::n).sum();
            assertEquals(items(record).size(), n, id + ": every document has one duration");
        } else {
            // the copy logs one dict of the duration groups (ints) and question categories (strings), then 'Overall'
            Map<Object, Object> dict = (Map<Object, Object>) PyLiteral.literalEval(logged.getFirst());
            int groups = 0;
            for (var e : dict.entrySet()) {
                if (e.getKey().equals("Overall")) continue;
                String dim = e.getKey() instanceof String ? "question_category" : "duration_group";
                Breakdown.Group g = b.dimensions().get(dim).get(PyStr.str(e.getKey()));
                assertNotNull(g, id + ": " + e.getKey());
                Map<String, Object> logs = (Map<String, Object>) e.getValue();
                assertEquals(((Number) logs.get("num")).longValue(), g.n(), id + ": " + e.getKey());
                assertEquals(((Number) logs.get("acc")).doubleValue(), g.score(), id + ": " + e.getKey());
                groups++;
            }
            assertEquals(groups, b.dimensions().values().stream().mapToInt(Map::size).sum(), id + ": no other groups");
        }
    }
}
