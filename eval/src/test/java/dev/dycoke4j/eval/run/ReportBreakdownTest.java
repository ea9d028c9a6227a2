package dev.dycoke4j.eval.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.eval.PyJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Video-MME's breakdowns in results.json and results.md, on six made-up documents answered in two cells (no model:
 * the prediction lines are written here), each category's score and count checked against a count by hand.
 */
class ReportBreakdownTest {
    @TempDir
    Path dir;

    /** duration, domain, sub-category, task type, answer, none's response, dycoke's response. */
    private static final String[][] DOCS = {
            {"short", "Knowledge", "Astronomy", "Object Recognition", "B", "B", "A"},
            {"short", "Knowledge", "Astronomy", "Counting Problem", "C", "C", "C"},
            {"medium", "Sports Competition", "Basketball", "Counting Problem", "D", "A", "D"},
            {"long", "Life Record", "Pet & Animal", "Action Recognition", "A", "A", "B"},
            {"long", "Multilingual", "Multilingual", "OCR Problems", "B", "B", "B"},
            {"medium", "Knowledge", "Astronomy", "Temporal Reasoning", "A", "The answer is A", ""},
    };

    private static ObjectNode line(int docId, String cell, String response) {
        String[] d = DOCS[docId];
        Map<String, Object> doc = RunFixture.videomme("10" + docId + "-1", "Which one?", d[4]);
        doc.put("duration", d[0]);
        doc.put("domain", d[1]);
        doc.put("sub_category", d[2]);
        doc.put("task_type", d[3]);
        ObjectNode l = JsonLog.JSON.createObjectNode();
        l.put("task", "videomme").put("doc_id", docId).put("cell", cell).put("method", cell.replaceAll("@.*", ""));
        if (cell.equals("none")) l.putNull("ratio");
        else l.put("ratio", 0.25);
        l.set("doc", PyJson.toJson(doc));
        l.put("target", d[4]);
        l.putArray("filtered_resps").add(response);
        l.putObject("stats");
        return l;
    }

    private JsonNode write() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < DOCS.length; i++) sb.append(line(i, "none", DOCS[i][5])).append('\n');
        for (int i = 0; i < DOCS.length; i++) sb.append(line(i, "dycoke@0.25", DOCS[i][6])).append('\n');
        Files.writeString(dir.resolve(EvalRunner.PREDICTIONS), sb);
        return Report.write(dir, null);
    }

    private static void group(JsonNode cell, String dim, String name, double score, long n) {
        JsonNode g = cell.path("breakdown").path(dim).path(name);
        assertEquals(score, g.path("score").asDouble(), cell.path("cell").asText() + " " + dim + " " + name + " score");
        assertEquals(n, g.path("n").asLong(), cell.path("cell").asText() + " " + dim + " " + name + " count");
    }

    @Test
    void eachCellCarriesTheScoreAndCountOfEveryCategory() throws IOException {
        JsonNode results = write().path("results");
        JsonNode none = results.get(0), dycoke = results.get(1);
        assertEquals(List.of("duration", "domain", "sub_category", "task_type"), names(none.path("breakdown").fieldNames()));
        // none answers 5 of 6: only doc 2 (medium, Sports Competition, Basketball, Counting Problem) wrong
        group(none, "duration", "short", 100.0, 2);
        group(none, "duration", "medium", 50.0, 2);
        group(none, "duration", "long", 100.0, 2);
        group(none, "domain", "Knowledge", 100.0, 3);
        group(none, "domain", "Sports Competition", 0.0, 1);
        group(none, "domain", "Life Record", 100.0, 1);
        group(none, "domain", "Multilingual", 100.0, 1);
        group(none, "domain", "Film & Television", 0.0, 0);
        group(none, "sub_category", "Astronomy", 100.0, 3);
        group(none, "sub_category", "Basketball", 0.0, 1);
        group(none, "task_type", "Counting Problem", 50.0, 2);
        group(none, "task_type", "Temporal Reasoning", 100.0, 1);
        // dycoke answers docs 1, 2 and 4: one of each duration; Knowledge 1 of 3 is 33.3 as the copy's :.1f
        group(dycoke, "duration", "short", 50.0, 2);
        group(dycoke, "duration", "medium", 50.0, 2);
        group(dycoke, "duration", "long", 50.0, 2);
        group(dycoke, "domain", "Knowledge", 33.3, 3);
        group(dycoke, "sub_category", "Astronomy", 33.3, 3);
        group(dycoke, "sub_category", "Pet & Animal", 0.0, 1);
        group(dycoke, "task_type", "Counting Problem", 100.0, 2);
        group(dycoke, "task_type", "Object Recognition", 0.0, 1);
        assertEquals(3, none.path("breakdown").path("duration").size());
        assertEquals(6, none.path("breakdown").path("domain").size(), "every domain of the copy's list");
        assertEquals(30, none.path("breakdown").path("sub_category").size());
        assertEquals(12, none.path("breakdown").path("task_type").size());
        assertEquals(100.0 * 5 / 6, none.path("metrics").path("videomme_percetion_score").path("value").asDouble(), "the overall score is unchanged");
        assertEquals(50.0, dycoke.path("metrics").path("videomme_percetion_score").path("value").asDouble());
    }

    @Test
    void resultsMdHasATablePerBreakdownWithARowPerCountedCategory() throws IOException {
        write();
        List<String> md = Files.readAllLines(dir.resolve(Report.TABLE));
        int at = md.indexOf("#### videomme by duration");
        assertTrue(at > 0, String.join("\n", md));
        assertEquals(List.of("| duration | n | none | dycoke@0.25 |", "|---|---:|---:|---:|", "| short | 2 | 100 | 50 |", "| medium | 2 | 50 | 50 |",
                "| long | 2 | 100 | 50 |"), md.subList(at + 2, at + 7));
        int domain = md.indexOf("#### videomme by domain");
        assertEquals(List.of("| Knowledge | 3 | 100 | 33.3 |", "| Sports Competition | 1 | 0 | 100 |", "| Life Record | 1 | 100 | 0 |", "| Multilingual | 1 | 100 | 100 |"),
                md.subList(domain + 4, domain + 8));
        assertFalse(md.stream().anyMatch(l -> l.startsWith("| Film & Television")), "a category counted in no cell has no row");
        assertTrue(md.contains("#### videomme by sub_category") && md.contains("#### videomme by task_type"));
        assertTrue(md.contains("| Counting Problem | 2 | 50 | 100 |"), String.join("\n", md));
    }

    private static <T> List<T> names(java.util.Iterator<T> it) {
        List<T> l = new java.util.ArrayList<>();
        it.forEachRemaining(l::add);
        return l;
    }
}
