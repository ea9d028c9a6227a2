package dev.dycoke4j.eval.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.compress.InvalidOptionException;
import dev.dycoke4j.eval.data.EvalSample;
import dev.dycoke4j.pipeline.VideoQa;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs end to end on the oracle model with tiny settings: 4 frames, at most 3 new tokens, five samples on two videos. */
class EvalRunnerTest {
    private static VideoQa qa;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        qa = RunFixture.load();
    }

    @AfterAll
    static void close() {
        qa.close();
    }

    /** Counts the videos that went through the vision tower (its progress reaches the last frame once per encode). */
    private static int[] countEncodes() {
        int[] encodes = {0};
        qa.progress((stage, done, total) -> {
            if (stage.equals("vision") && done == total) encodes[0]++;
        });
        return encodes;
    }

    private RunSummary run(Path out, List<EvalSample> samples, RunOptions opts, RunListener l) {
        qa.clearCaches();
        return new EvalRunner(qa, RunFixture.cells(), opts, out, l).run(samples);
    }

    @Test
    void everyCellRunsOnVisionEncodedOncePerVideo() throws IOException {
        List<EvalSample> samples = RunFixture.samples(tmp);
        int[] encodes = countEncodes();
        Path out = tmp.resolve("out");
        RunSummary s = run(out, samples, RunFixture.options(), null);
        assertEquals(2, encodes[0], "the vision tower ran once per video, for all five cells");
        assertEquals(2, s.videosEncoded());
        assertEquals(5 * 5, s.predicted(), "5 samples x (none + 2 methods x 2 ratios)");
        List<ObjectNode> preds = RunFixture.predictions(out);
        assertEquals(25, preds.size());
        Set<String> keys = new HashSet<>();
        for (ObjectNode p : preds) assertTrue(keys.add(JsonLog.key(p)), "one line per (task, doc, cell)");
        for (ObjectNode p : preds) {
            assertTrue(p.has("doc_id") && p.has("target") && p.has("resps") && p.has("filtered_resps"), p.toString());
            assertEquals(p.path("resps").path(0).path(0).asText(), p.path("filtered_resps").path(0).asText());
            assertTrue(p.path("stats").path("generated_tokens").asInt() <= 3, "the cap on new tokens holds");
            if (p.path("task").asText().equals("videomme")) {
                assertTrue(p.has("videomme_percetion_score"), "the process_results dict is in the line");
                assertTrue(p.path("arguments").path(0).asText().startsWith("Select the best answer"), p.path("arguments").toString());
            }
            if (p.path("cell").asText().equals("none")) assertEquals(0.0, p.path("first_token_kl").asDouble());
            else assertTrue(p.path("first_token_kl").asDouble() >= 0);
        }
        // a later question about the same video reuses its prompt prefix (not FastV, whose prefill depends on the question)
        ObjectNode second = preds.stream().filter(p -> p.path("cell").asText().equals("dycoke@0.5") && p.path("task").asText().equals("videomme")
                && p.path("doc_id").asInt() == 1).findFirst().orElseThrow();
        assertTrue(second.path("stats").path("prefix_cached_tokens").asInt() > 0, second.path("stats").toString());
        JsonNode r = RunFixture.results(out);
        Set<String> cells = new HashSet<>();
        for (JsonNode c : r.path("results")) {
            cells.add(c.path("task").asText() + "/" + c.path("cell").asText());
            if (c.path("task").asText().equals("videomme")) {
                JsonNode m = c.path("metrics").path("videomme_percetion_score");
                assertTrue(m.path("value").isNumber(), c.toString());
                assertTrue(c.path("visual_tokens_in_llm").asDouble() > 0);
                assertTrue(c.path("prefill_flops").asDouble() > 0);
                assertTrue(c.path("kv_bytes").asDouble() > 0);
                assertEquals(3, c.path("fidelity_vs_none").path("compared").asInt());
            }
        }
        assertEquals(3 * 5, cells.size(), "every task in every cell: " + cells);
        JsonNode none = cell(r, "videomme", "none"), dy = cell(r, "videomme", "dycoke@0.5");
        assertTrue(dy.path("visual_tokens_in_llm").asDouble() < none.path("visual_tokens_in_llm").asDouble());
        assertEquals(1.0, none.path("fidelity_vs_none").path("answer_agreement").asDouble());
        JsonNode anet = cell(r, "activitynetqa", "none");
        assertEquals(1, anet.path("judge").path("not_judged").asInt(), "judged tasks wait for the judge step");
        assertTrue(Files.size(out.resolve("plot-videomme.png")) > 1000);
        assertTrue(Files.readString(out.resolve(Report.TABLE)).contains("| dycoke@0.5 |"));
    }

    static JsonNode cell(JsonNode results, String task, String cell) {
        for (JsonNode c : results.path("results")) if (c.path("task").asText().equals(task) && c.path("cell").asText().equals(cell)) return c;
        throw new AssertionError("no " + task + " " + cell + " in " + results);
    }

    /** Stops the run after {@code k} predictions, as a kill would (what was appended stays). */
    private static RunListener stopAfter(int k) {
        return new RunListener() {
            int n;

            @Override
            public void predicted(Cell cell, String task, int docId) {
                if (++n == k) throw new Stop();
            }
        };
    }

    private static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    @Test
    void resumingAnInterruptedRunGivesTheUninterruptedResults() throws IOException {
        List<EvalSample> samples = RunFixture.samples(tmp);
        Path whole = tmp.resolve("whole"), cut = tmp.resolve("cut");
        run(whole, samples, RunFixture.options(), null);
        assertThrows(Stop.class, () -> run(cut, samples, RunFixture.options(), stopAfter(12)));
        assertEquals(12, RunFixture.predictions(cut).size(), "what was appended before the stop is kept");
        // then killed in the middle of writing a line
        Path file = cut.resolve(EvalRunner.PREDICTIONS);
        long size = Files.size(file);
        List<String> lines = Files.readAllLines(file);
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
            c.truncate(size - lines.getLast().length() / 2);
        }
        List<String> problems = new ArrayList<>();
        RunSummary s = run(cut, samples, RunFixture.options(), new RunListener() {
            @Override
            public void problem(String line) {
                problems.add(line);
            }
        });
        assertEquals(1, s.droppedPartial());
        assertEquals(11, s.resumed(), "the 11 whole lines were kept, the partial one dropped");
        assertEquals(25 - 11, s.predicted());
        assertTrue(problems.getFirst().contains("cut off mid-write"), problems.toString());
        assertEquals(RunFixture.timeless(RunFixture.predictions(whole)).keySet(), RunFixture.timeless(RunFixture.predictions(cut)).keySet());
        Map<String, JsonNode> a = RunFixture.timeless(RunFixture.predictions(whole)), b = RunFixture.timeless(RunFixture.predictions(cut));
        for (String k : a.keySet()) RunFixture.assertSame(a.get(k), b.get(k), "prediction " + k.replace('\u0000', ' '));
        RunFixture.assertSame(RunFixture.timeless(RunFixture.results(whole)), RunFixture.timeless(RunFixture.results(cut)), "results");
        // and a finished run resumed does nothing
        RunSummary again = run(cut, samples, RunFixture.options(), null);
        assertEquals(0, again.predicted());
        assertEquals(0, again.videosEncoded(), "no video is decoded when every cell is done");
    }

    @Test
    void loglikScoringPicksTheLikeliestOptionLetter() throws IOException {
        List<EvalSample> samples = RunFixture.samples(tmp);
        Path out = tmp.resolve("ll");
        run(out, samples, RunFixture.options().withMcScoring(McScoring.LOGLIK), null);
        for (ObjectNode p : RunFixture.predictions(out)) {
            String task = p.path("task").asText();
            if (task.equals("activitynetqa")) {
                assertEquals("generate", p.path("mc_scoring").asText(), "an open question is generated");
                continue;
            }
            assertEquals("loglik", p.path("mc_scoring").asText());
            JsonNode ll = p.path("loglik");
            List<String> letters = new ArrayList<>();
            ll.fieldNames().forEachRemaining(letters::add);
            assertEquals(task.equals("videomme") ? List.of("A", "B", "C", "D") : List.of("A", "B", "C"), letters);
            String best = letters.getFirst();
            for (String l : letters) if (ll.path(l).asDouble() > ll.path(best).asDouble()) best = l;
            assertEquals(best, p.path("filtered_resps").path(0).asText());
            assertFalse(p.path("parse_failed").asBoolean());
            assertEquals(1, p.path("stats").path("generated_tokens").asInt(), "one prefill, one token");
        }
        for (JsonNode c : RunFixture.results(out).path("results")) assertEquals(0, c.path("parse_failures").asInt());
    }

    @Test
    void aCorruptVideoIsReportedAndTheOthersRun() throws IOException {
        List<EvalSample> good = RunFixture.samples(tmp);
        Path out = tmp.resolve("bad");
        run(out, good.subList(0, 3), RunFixture.options(), null);
        List<ObjectNode> before = RunFixture.predictions(out);
        Path bad = tmp.resolve("broken.mp4");
        Files.write(bad, new byte[]{0, 0, 0, 24, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 1, 2, 3, 4, 5, 6, 7, 8, 9});
        List<EvalSample> all = new ArrayList<>(good);
        all.add(new EvalSample("videomme", 7, RunFixture.videomme("103-1", "Which one?", "A"), bad));
        List<String> problems = new ArrayList<>();
        RunSummary s = run(out, all, RunFixture.options(), new RunListener() {
            @Override
            public void problem(String line) {
                problems.add(line);
            }
        });
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.getFirst().contains("broken.mp4") && problems.getFirst().contains("videomme doc 7"), problems.getFirst());
        assertEquals(1, s.failures().size());
        assertEquals(25, RunFixture.predictions(out).size(), "the other samples all ran");
        assertEquals(before, RunFixture.predictions(out).subList(0, before.size()), "no finished sample was lost or rewritten");
        JsonNode failed = RunFixture.results(out).path("run").path("failed_samples");
        assertEquals(7, failed.path(0).path("doc_id").asInt());
    }

    @Test
    void aRowMissingAFieldIsReportedAndSkipped() {
        Map<String, Object> doc = RunFixture.videomme("x", "q", "A");
        doc.remove("question");
        List<String> problems = new ArrayList<>();
        RunSummary s = run(tmp.resolve("row"), List.of(new EvalSample("videomme", 3, doc, RunFixture.clip())), RunFixture.options(), new RunListener() {
            @Override
            public void problem(String line) {
                problems.add(line);
            }
        });
        assertEquals(List.of("videomme doc 3: cannot build its prompt (KeyError: 'question', as lmms-eval would raise); skipped"), problems);
        assertEquals(0, s.predicted());
    }

    @Test
    void unknownTasksAndMethodsAreRefusedBeforeAnythingRuns() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> run(tmp.resolve("t"), List.of(new EvalSample("videommm", 0, RunFixture.videomme("x", "q", "A"), RunFixture.clip())), RunFixture.options(), null));
        assertTrue(e.getMessage().startsWith("unknown task 'videommm' (known: videomme"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("t").resolve(EvalRunner.PREDICTIONS)));
        var m = assertThrows(InvalidOptionException.class, () -> Cell.of("dycok", 0.5));
        assertTrue(m.getMessage().contains("got 'dycok'"), m.getMessage());
        assertNotEquals(Cell.of("dycoke", 0.5).id(), Cell.of("dycoke", 0.25).id());
        // DP from layer 3 of a 3-layer model: the cell is reported once and skipped, the others run
        List<String> problems = new ArrayList<>();
        RunSummary s = new EvalRunner(qa, List.of(Cell.of("dycoke", 0.5)), RunFixture.options(), tmp.resolve("l"), new RunListener() {
            @Override
            public void problem(String line) {
                problems.add(line);
            }
        }).run(List.of(new EvalSample("videomme", 0, RunFixture.videomme("x", "q", "A"), RunFixture.clip())));
        assertEquals(List.of("dycoke@0.5: cannot run on this model (dp_l 3 is outside 1..2 for this 3-layer model); the cell is skipped"), problems);
        assertEquals(1, s.predicted(), "none ran");
        assertEquals("none", Cell.of("none", 0.5).id());
    }

    @Test
    void aBudgetOutOfTheMethodsReachIsOneLineAndTheCellIsSkipped() throws IOException {
        // DyCoke's FLOPs at any ratio of its own stay above 1% of no compression's: refused on the first video, with
        // the range it reaches; the other cells run on every video
        Cell flops = new Cell("dycoke", 0.01, dev.dycoke4j.compress.CompressionMethods.parse("dycoke", Map.of("ratio", "0.01", "dp_l", "1", "budget", "flops")));
        List<String> problems = new ArrayList<>();
        Path out = tmp.resolve("budget");
        qa.clearCaches();
        RunSummary s = new EvalRunner(qa, List.of(flops, RunFixture.cell("fastv", 0.5, "fastv_k")), RunFixture.options(), out, new RunListener() {
            @Override
            public void problem(String line) {
                problems.add(line);
            }
        }).run(RunFixture.samples(tmp));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.getFirst().matches("dycoke@0\\.01: cannot run at this budget \\(ratio dycoke reaches [0-9.]+ to [0-9.]+ of the prefill FLOPs of the video's "
                + "positions without compression on this video \\(budget flops\\); got 0\\.01\\); the cell is skipped"), problems.getFirst());
        assertEquals(Set.of("dycoke@0.01"), s.unreachable().keySet());
        assertEquals(5 * 2, s.predicted(), "5 samples in none and fastv@0.5");
        assertTrue(RunFixture.predictions(out).stream().noneMatch(p -> p.path("cell").asText().equals("dycoke@0.01")));
        JsonNode results = RunFixture.results(out);
        assertTrue(results.path("run").path("unreachable_cells").has("dycoke@0.01"), results.path("run").toString());
    }
}
