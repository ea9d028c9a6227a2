package dev.dycoke4j.eval.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.eval.Task;
import dev.dycoke4j.eval.Tasks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The results of an output folder, recomputed from its predictions (and judgements) every time, so they never go
 * stale: {@value #RESULTS} (every task in every cell), {@value #TABLE} and a plot per task of its score against each
 * budget measure ({@code plot-<task>.png}). Each file is written whole to a temporary file and then moved in place.
 */
public final class Report {
    public static final String RESULTS = "results.json";
    public static final String TABLE = "results.md";
    /** The judge step's file of judgements. */
    public static final String JUDGEMENTS = "judgements.jsonl";

    private Report() {
    }

    /**
     * Scores the folder's predictions and writes the results; {@code run} describes the run that made them (null: the
     * description already in {@value #RESULTS} is kept). Returns what {@value #RESULTS} holds.
     */
    public static ObjectNode write(Path dir, ObjectNode run) {
        List<ObjectNode> predictions = read(dir.resolve(EvalRunner.PREDICTIONS));
        Map<String, ObjectNode> judgements = new LinkedHashMap<>();
        for (ObjectNode j : read(dir.resolve(JUDGEMENTS))) judgements.put(JsonLog.key(j), j);
        if (run == null) run = previousRun(dir);
        // tasks and cells in the order they first appear, cells in the run's order when known
        Map<String, Map<String, List<ObjectNode>>> byTask = new LinkedHashMap<>();
        List<String> cellOrder = new ArrayList<>();
        if (run != null) run.path("cells").forEach(c -> cellOrder.add(c.asText()));
        for (ObjectNode p : predictions) {
            String cell = p.path("cell").asText();
            if (!cellOrder.contains(cell)) cellOrder.add(cell);
            byTask.computeIfAbsent(p.path("task").asText(), t -> new LinkedHashMap<>()).computeIfAbsent(cell, c -> new ArrayList<>()).add(p);
        }
        ObjectNode root = JsonLog.JSON.createObjectNode();
        if (run != null) root.set("run", run);
        ArrayNode results = root.putArray("results");
        for (var t : byTask.entrySet()) {
            Task task = Tasks.get(t.getKey());
            Map<Integer, ObjectNode> none = new LinkedHashMap<>();
            for (ObjectNode l : t.getValue().getOrDefault("none", List.of())) none.put(l.path("doc_id").asInt(), l);
            for (String cell : cellOrder) {
                List<ObjectNode> lines = t.getValue().get(cell);
                if (lines != null) results.add(CellResult.score(task, cell, lines, none, judgements));
            }
        }
        AtomicFiles.writeString(dir.resolve(RESULTS), root.toPrettyString() + "\n");
        AtomicFiles.writeString(dir.resolve(TABLE), String.join("\n", markdown(root)) + "\n");
        Plots.write(dir, results);
        return root;
    }

    private static List<ObjectNode> read(Path file) {
        if (!Files.exists(file)) return List.of();
        try (JsonLog log = JsonLog.open(file)) {
            return new ArrayList<>(log.records());
        }
    }

    private static ObjectNode previousRun(Path dir) {
        Path f = dir.resolve(RESULTS);
        if (!Files.exists(f)) return null;
        try {
            JsonNode n = JsonLog.JSON.readTree(f.toFile()).path("run");
            return n instanceof ObjectNode o ? o : null;
        } catch (IOException e) {
            throw new UncheckedIOException(f + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /**
     * One table per task: a row per cell with its score, cost and fidelity; then, for a task whose aggregation logs
     * per-category scores, a table per breakdown with a row per category counted in some cell and a column per cell.
     */
    static List<String> markdown(JsonNode root) {
        List<String> out = new ArrayList<>();
        Map<String, List<JsonNode>> byTask = new LinkedHashMap<>();
        for (JsonNode c : root.path("results")) byTask.computeIfAbsent(c.path("task").asText(), t -> new ArrayList<>()).add(c);
        for (var t : byTask.entrySet()) {
            if (!out.isEmpty()) out.add("");
            out.add("### " + t.getKey());
            out.add("");
            out.add("| cell | samples | score | ± stderr | parse failures | visual tokens in LLM | attended per decode step | prefill TFLOPs | KV MB "
                    + "| s/sample | answer agreement vs none | first-token KL vs none |");
            out.add("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            for (JsonNode c : t.getValue()) out.add(row(c));
            breakdowns(t.getKey(), t.getValue(), out);
        }
        JsonNode failed = root.path("run").path("failed_samples");
        if (failed.size() > 0) {
            out.add("");
            out.add(failed.size() + " sample(s) could not run:");
            for (JsonNode x : failed) out.add("- " + x.path("problem").asText());
        }
        JsonNode unreachable = root.path("run").path("unreachable_cells");
        for (var e : unreachable.properties()) out.add("- cell " + e.getKey() + " cannot run: " + e.getValue().asText());
        return out;
    }

    private static String row(JsonNode c) {
        String metric = CellResult.primary(c);
        JsonNode m = metric == null ? null : c.path("metrics").path(metric);
        String score = m == null ? "n/a" : metric + " " + num(m.path("value").asDouble());
        if (c.has("judge")) {
            JsonNode j = c.path("judge");
            score += " (judged " + j.path("judged").asInt() + "/" + c.path("samples").asInt() + " by " + String.join(",", texts(j.path("models")))
                    + " " + String.join(",", texts(j.path("dates"))) + (j.path("malformed_replies").asInt() > 0 ? ", " + j.path("malformed_replies").asInt() + " malformed" : "") + ")";
        }
        JsonNode f = c.path("fidelity_vs_none");
        return String.format(Locale.ROOT, "| %s | %d | %s | %s | %d | %.1f | %.1f | %.4g | %.2f | %.3f | %s | %s |", c.path("cell").asText(), c.path("samples").asInt(),
                score, m == null || m.path("stderr").isNull() ? "n/a" : num(m.path("stderr").asDouble()), c.path("parse_failures").asInt(),
                c.path("visual_tokens_in_llm").asDouble(), c.path("visual_tokens_attended_per_step").asDouble(), c.path("prefill_flops").asDouble() / 1e12,
                c.path("kv_bytes").asDouble() / 1e6, c.path("seconds_per_sample").path("total").asDouble(),
                f.path("answer_agreement").isNull() ? "n/a" : num(f.path("answer_agreement").asDouble()),
                f.path("first_token_kl_mean").isNull() ? "n/a" : String.format(Locale.ROOT, "%.4g", f.path("first_token_kl_mean").asDouble()));
    }

    /**
     * A table per breakdown of the task's cells: a row per category that counts a document in some cell, its count in
     * the first cell, and each cell's score as the task logs it (with the cell's own count where it differs).
     */
    private static void breakdowns(String task, List<JsonNode> cells, List<String> out) {
        Map<String, List<String>> dims = new LinkedHashMap<>();
        for (JsonNode c : cells)
            for (var d : c.path("breakdown").properties()) {
                List<String> names = dims.computeIfAbsent(d.getKey(), k -> new ArrayList<>());
                for (var g : d.getValue().properties()) if (!names.contains(g.getKey())) names.add(g.getKey());
            }
        for (var d : dims.entrySet()) {
            List<String> rows = new ArrayList<>();
            for (String name : d.getValue()) {
                boolean counted = false;
                for (JsonNode c : cells) counted |= c.path("breakdown").path(d.getKey()).path(name).path("n").asLong() > 0;
                if (counted) rows.add(name);
            }
            if (rows.isEmpty()) continue;
            out.add("");
            out.add("#### " + task + " by " + d.getKey());
            out.add("");
            StringBuilder head = new StringBuilder("| " + d.getKey() + " | n |"), rule = new StringBuilder("|---|---:|");
            for (JsonNode c : cells) {
                head.append(' ').append(c.path("cell").asText()).append(" |");
                rule.append("---:|");
            }
            out.add(head.toString());
            out.add(rule.toString());
            for (String name : rows) {
                JsonNode firstGroup = cells.getFirst().path("breakdown").path(d.getKey()).path(name);
                long n = firstGroup.path("n").asLong();
                StringBuilder line = new StringBuilder("| " + name + " | " + n + " |");
                for (JsonNode c : cells) {
                    JsonNode g = c.path("breakdown").path(d.getKey()).path(name);
                    String v = g.isMissingNode() ? "n/a" : plain(g.path("score").asDouble()) + (g.path("n").asLong() != n ? " (n " + g.path("n").asLong() + ")" : "");
                    line.append(' ').append(v).append(" |");
                }
                out.add(line.toString());
            }
        }
    }

    /** A score as the task logs it, without trailing zeros: 66.7, 50, 0.14286. */
    private static String plain(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    private static List<String> texts(JsonNode arr) {
        List<String> l = new ArrayList<>();
        arr.forEach(x -> l.add(x.asText()));
        return l;
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }
}
