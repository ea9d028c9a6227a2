package dev.dycoke4j.eval.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.eval.Breakdown;
import dev.dycoke4j.eval.JudgedTask;
import dev.dycoke4j.eval.PyError;
import dev.dycoke4j.eval.PyJson;
import dev.dycoke4j.eval.PyRandom;
import dev.dycoke4j.eval.ScoringContext;
import dev.dycoke4j.eval.Task;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One task in one cell, scored from its prediction lines with the task's code: {@code process_results} in document
 * order with one {@code random.seed(0)} for the task (as an lmms-eval run of that task alone draws its parse fallbacks),
 * the aggregation of each metric, and the cell's cost and fidelity, as means per sample.
 */
final class CellResult {
    private static final String[] STAGES = {"decode_video", "preprocess", "vision", "project_pool", "compress", "prefill", "generate", "overlapped", "total"};

    private CellResult() {
    }

    /**
     * @param lines      the cell's prediction lines of {@code task}
     * @param none       {@code none}'s lines of the task by document id (the fidelity reference)
     * @param judgements the judged tasks' judgements by prediction key
     */
    @SuppressWarnings("unchecked")
    static ObjectNode score(Task task, String cell, List<ObjectNode> lines, Map<Integer, ObjectNode> none, Map<String, ObjectNode> judgements) {
        List<ObjectNode> sorted = new ArrayList<>(lines);
        sorted.sort(Comparator.comparingInt(l -> l.path("doc_id").asInt()));
        ScoringContext ctx = new ScoringContext(new PyRandom(0), null);
        Map<String, List<Object>> items = new LinkedHashMap<>();
        for (String m : task.metrics()) items.put(m, new ArrayList<>());
        int parseFailures = 0, pendingJudge = 0, malformed = 0, agree = 0, compared = 0, klCount = 0;
        List<String> scoringErrors = new ArrayList<>();
        Set<String> judgeModels = new LinkedHashSet<>(), judgeDates = new java.util.TreeSet<>();
        double kept = 0, attended = 0, flops = 0, kv = 0, kl = 0;
        double[] seconds = new double[STAGES.length];
        boolean judged = task instanceof JudgedTask;
        for (ObjectNode l : sorted) {
            String response = l.path("filtered_resps").path(0).asText();
            Map<String, Object> results = null;
            if (judged) {
                ObjectNode j = judgements.get(JsonLog.key(l));
                if (j == null) pendingJudge++;
                else {
                    results = (Map<String, Object>) PyJson.fromJson(j.get("results"));
                    if (j.path("malformed").asBoolean()) malformed++;
                    judgeModels.add(j.path("judge_model").asText());
                    judgeDates.add(j.path("judge_date").asText());
                }
            } else {
                try {
                    results = task.processResults((Map<String, Object>) PyJson.fromJson(l.get("doc")), response, ctx);
                } catch (PyError e) {
                    scoringErrors.add("doc " + l.path("doc_id").asInt() + ": " + e.getMessage());
                }
            }
            if (results != null) for (var e : items.entrySet()) if (results.containsKey(e.getKey())) e.getValue().add(results.get(e.getKey()));
            if (l.path("parse_failed").asBoolean()) parseFailures++;
            JsonNode s = l.path("stats");
            kept += s.path("visual_tokens_kept").asDouble();
            attended += s.path("visual_tokens_attended_mean").asDouble();
            flops += s.path("flops_llm").asDouble();
            kv += s.path("kv_bytes").asDouble();
            for (int i = 0; i < STAGES.length; i++) seconds[i] += s.path("seconds").path(STAGES[i]).asDouble();
            ObjectNode ref = none.get(l.path("doc_id").asInt());
            if (ref != null) {
                compared++;
                if (ref.path("filtered_resps").path(0).asText().equals(response)) agree++;
            }
            if (l.hasNonNull("first_token_kl")) {
                kl += l.get("first_token_kl").asDouble();
                klCount++;
            }
        }
        int n = sorted.size();
        ObjectNode r = JsonLog.JSON.createObjectNode();
        r.put("task", task.name()).put("cell", cell);
        ObjectNode first = sorted.isEmpty() ? null : sorted.getFirst();
        r.put("method", first == null ? cell : first.path("method").asText());
        if (first == null || first.path("ratio").isNull()) r.putNull("ratio");
        else r.put("ratio", first.path("ratio").asDouble());
        r.put("samples", n);
        ObjectNode metrics = r.putObject("metrics");
        for (var e : items.entrySet()) {
            ObjectNode m = metrics.putObject(e.getKey());
            try {
                m.set("value", PyJson.toJson(task.aggregate(e.getKey(), e.getValue())));
                Stderr.Value se = Stderr.of(task, e.getKey(), e.getValue());
                if (se == null) m.putNull("stderr");
                else m.put("stderr", se.stderr()).put("stderr_method", se.method());
            } catch (PyError ex) {
                m.putNull("value");
                m.put("error", ex.getMessage());
            }
            m.put("scored", e.getValue().size());
        }
        ObjectNode breakdown = breakdown(task, items);
        if (breakdown != null) r.set("breakdown", breakdown);
        r.put("parse_failures", parseFailures);
        if (!scoringErrors.isEmpty()) {
            r.put("scoring_errors", scoringErrors.size());
            var arr = r.putArray("scoring_error_examples");
            scoringErrors.stream().limit(5).forEach(arr::add);
        }
        if (judged) {
            ObjectNode j = r.putObject("judge");
            j.put("judged", n - pendingJudge).put("not_judged", pendingJudge).put("malformed_replies", malformed);
            var models = j.putArray("models");
            judgeModels.forEach(models::add);
            var dates = j.putArray("dates");
            judgeDates.forEach(dates::add);
        }
        double d = Math.max(1, n);
        r.put("visual_tokens_in_llm", kept / d);
        r.put("visual_tokens_attended_per_step", attended / d);
        r.put("prefill_flops", flops / d);
        r.put("kv_bytes", kv / d);
        ObjectNode sec = r.putObject("seconds_per_sample");
        for (int i = 0; i < STAGES.length; i++) sec.put(STAGES[i], seconds[i] / d);
        ObjectNode fid = r.putObject("fidelity_vs_none");
        fid.put("compared", compared);
        if (compared > 0) fid.put("answer_agreement", (double) agree / compared);
        else fid.putNull("answer_agreement");
        if (klCount > 0) fid.put("first_token_kl_mean", kl / klCount);
        else fid.putNull("first_token_kl_mean");
        return r;
    }

    /**
     * The per-category scores the task's aggregation logs, {@code {"duration": {"short": {"score": …, "n": …}, …}, …}},
     * of its first metric that has them; null when none has, or when its aggregation raises.
     */
    private static ObjectNode breakdown(Task task, Map<String, List<Object>> items) {
        for (var e : items.entrySet()) {
            Breakdown b;
            try {
                b = task.breakdown(e.getKey(), e.getValue());
            } catch (PyError ex) {
                return null;
            }
            if (b == null) continue;
            ObjectNode out = JsonLog.JSON.createObjectNode();
            for (var d : b.dimensions().entrySet()) {
                ObjectNode dim = out.putObject(d.getKey());
                d.getValue().forEach((name, g) -> dim.putObject(name).put("score", g.score()).put("n", g.n()));
            }
            return out;
        }
        return null;
    }

    /** The first metric whose value is a number (what tables lead with and plots show), or null. */
    static String primary(JsonNode cell) {
        for (var e : cell.path("metrics").properties()) if (e.getValue().path("value").isNumber()) return e.getKey();
        return null;
    }
}
