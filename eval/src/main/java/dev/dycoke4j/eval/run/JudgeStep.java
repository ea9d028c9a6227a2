package dev.dycoke4j.eval.run;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.eval.HttpJudgeTransport;
import dev.dycoke4j.eval.Judge;
import dev.dycoke4j.eval.JudgedTask;
import dev.dycoke4j.eval.PyError;
import dev.dycoke4j.eval.PyJson;
import dev.dycoke4j.eval.Task;
import dev.dycoke4j.eval.Tasks;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The GPT-judge step of the judged tasks (ActivityNet-QA, VideoDC), over the predictions of an output folder: each
 * prediction not yet judged is sent with the copy's payload and retries, and its judgement appended to
 * {@value Report#JUDGEMENTS} (with the judge model and date) as soon as it is made, so the step resumes where it
 * stopped. A judgement that fails (no usable reply after the retries) is counted and reported, and not written, so that
 * the next run tries it again; it is never scored 0 in silence. A reply that does not parse is scored as the copy
 * scores it (0) and counted as malformed. The results are then rewritten.
 */
public final class JudgeStep {
    private JudgeStep() {
    }

    /** What the step did: judged now, judged before, failed (not written), and malformed replies among those judged now. */
    public record Summary(int judged, int alreadyJudged, int failed, int malformed, List<String> failures) {
    }

    /**
     * A judge that posts to {@code url} (any OpenAI-compatible chat-completions endpoint) with the bearer {@code apiKey},
     * waiting at most {@code timeout} for each reply (the copy's is 60 s).
     */
    public static Judge http(URI url, String model, String apiKey, Duration timeout, Judge.Sleeper sleeper) {
        HttpJudgeTransport http = new HttpJudgeTransport(apiKey);
        return new Judge(url, model, (u, body, t) -> http.post(u, body, timeout), sleeper, null);
    }

    /**
     * Judges every prediction of a judged task in {@code dir} that has no judgement yet.
     *
     * @param problems told one line for each failed judgement
     * @param progress told (done, total) after each prediction
     * @throws IllegalArgumentException when {@code dir} has no predictions
     */
    public static Summary run(Path dir, Judge judge, Consumer<String> problems, BiConsumer<Integer, Integer> progress) {
        Objects.requireNonNull(judge, "judge");
        Path predictionsFile = dir.resolve(EvalRunner.PREDICTIONS);
        if (!Files.isRegularFile(predictionsFile)) throw new IllegalArgumentException(dir + ": no " + EvalRunner.PREDICTIONS + " (run dycoke eval run --out " + dir + " first)");
        List<ObjectNode> todo = new ArrayList<>();
        int before = 0;
        int judged = 0, failed = 0, malformed = 0;
        List<String> failures = new ArrayList<>();
        try (JsonLog predictions = JsonLog.open(predictionsFile); JsonLog judgements = JsonLog.open(dir.resolve(Report.JUDGEMENTS))) {
            for (ObjectNode p : predictions.records()) {
                if (!(Tasks.get(p.path("task").asText()) instanceof JudgedTask)) continue;
                if (judgements.has(JsonLog.key(p))) before++;
                else todo.add(p);
            }
            String[] last = {null};
            Judge.Transport inner = judge.transport();
            Judge watched = new Judge(judge.url(), judge.model(), (u, body, t) -> {
                try {
                    Judge.Reply r = inner.post(u, body, t);
                    last[0] = "HTTP " + r.status();
                    return r;
                } catch (IOException e) {
                    last[0] = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                    throw e;
                }
            }, judge.sleeper(), judge.onRequest());
            int done = 0;
            for (ObjectNode p : todo) {
                Task task = Tasks.get(p.path("task").asText());
                String where = p.path("task").asText() + " doc " + p.path("doc_id").asInt() + " (" + p.path("cell").asText() + ")";
                last[0] = null;
                JudgedTask.Judgement j;
                try {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> doc = (Map<String, Object>) PyJson.fromJson(p.get("doc"));
                    j = ((JudgedTask) task).judge(doc, p.path("filtered_resps").path(0).asText(), watched);
                } catch (PyError e) {
                    j = new JudgedTask.Judgement(null, "cannot judge (" + e.getMessage() + ")", false);
                }
                if (j.ok()) {
                    ObjectNode r = JsonLog.JSON.createObjectNode();
                    r.put("task", p.path("task").asText()).put("doc_id", p.path("doc_id").asInt()).put("cell", p.path("cell").asText());
                    r.set("results", PyJson.toJson(j.results()));
                    r.put("malformed", j.malformed());
                    r.put("judge_model", judge.model()).put("judge_url", judge.url().toString())
                            .put("judge_date", Instant.now().atOffset(ZoneOffset.UTC).toLocalDate().toString());
                    judgements.append(r);
                    judged++;
                    if (j.malformed()) malformed++;
                } else {
                    failed++;
                    String line = where + ": the judge failed: " + j.failure() + (last[0] == null ? "" : " (last: " + last[0] + ")")
                            + "; not scored, a later 'eval judge' retries it";
                    failures.add(line);
                    problems.accept(line);
                }
                progress.accept(++done, todo.size());
            }
        }
        Report.write(dir, null);
        return new Summary(judged, before, failed, malformed, List.copyOf(failures));
    }
}
