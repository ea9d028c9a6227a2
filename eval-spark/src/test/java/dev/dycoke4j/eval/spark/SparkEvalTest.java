package dev.dycoke4j.eval.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.eval.data.EvalSample;
import dev.dycoke4j.eval.run.Cell;
import dev.dycoke4j.eval.run.DistributedRun;
import dev.dycoke4j.eval.run.EvalRunner;
import dev.dycoke4j.eval.run.Report;
import dev.dycoke4j.eval.run.RunOptions;
import dev.dycoke4j.eval.run.RunSummary;
import dev.dycoke4j.pipeline.LoadOptions;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.video.SyntheticClip;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Spark run in local mode (local[2], one session for the class) against the in-process run on the oracle model:
 * three Video-MME questions over two videos, none and two compressed cells, 4 frames, at most 3 new tokens.
 */
class SparkEvalTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static SparkSession spark;
    private static VideoQa qa;
    private static List<EvalSample> samples;
    private static Path inProcess;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start(@TempDir Path dir) {
        spark = SparkSession.builder().master("local[2]").appName("dycoke eval test").config("spark.ui.enabled", "false").getOrCreate();
        qa = VideoQa.load(Oracle.model());
        Path syn = dir.resolve("synthetic.mp4");
        SyntheticClip.write(syn, 64, 48, 10, 8);
        Path clip = Oracle.root().resolve("golden").resolve("clip.mkv");
        samples = List.of(
                new EvalSample("videomme", 0, videomme("101-1", "Which planet does the presenter point to first?", "B"), clip),
                new EvalSample("videomme", 2, videomme("102-1", "Which planet has rings?", "C"), syn),
                new EvalSample("videomme", 1, videomme("101-2", "Which planet is shown last?", "D"), clip));
        inProcess = dir.resolve("in-process");
        new EvalRunner(qa, cells(), options(), inProcess, null).run(samples);
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
        if (qa != null) qa.close();
    }

    static Map<String, Object> videomme(String id, String question, String answer) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("video_id", id.substring(0, 3));
        d.put("duration", "short");
        d.put("domain", "Knowledge");
        d.put("sub_category", "Astronomy");
        d.put("url", "https://www.youtube.com/watch?v=Qx7Kp2mTn0a");
        d.put("videoID", "Qx7Kp2mTn0a");
        d.put("question_id", id);
        d.put("task_type", "Object Recognition");
        d.put("question", question);
        d.put("options", new ArrayList<Object>(List.of("A. Mars.", "B. Jupiter.", "C. Saturn.", "D. Venus.")));
        d.put("answer", answer);
        return d;
    }

    /** Two cells whose layers are within the oracle's three (DP from layer 1, FastV at layer 1). */
    static List<Cell> cells() {
        return List.of(new Cell("dycoke", 0.5, CompressionMethods.parse("dycoke", Map.of("ratio", "0.5", "dp_l", "1"))),
                new Cell("fastv", 0.5, CompressionMethods.parse("fastv", Map.of("ratio", "0.5", "fastv_k", "1"))));
    }

    static RunOptions options() {
        return RunOptions.of(4).withMaxNewTokens(3);
    }

    private static RunSummary spark(Path out, List<EvalSample> s) {
        return new SparkEval().run(new DistributedRun.Request("local[2]", Oracle.model(), LoadOptions.asStored(), null, cells(), options(), out), s, null);
    }

    private static List<ObjectNode> lines(Path dir) throws IOException {
        List<ObjectNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(dir.resolve(EvalRunner.PREDICTIONS))) if (!l.isBlank()) out.add((ObjectNode) JSON.readTree(l));
        return out;
    }

    /** A line without what depends on the clock, the process or the caches' state; the KL to 4 significant digits. */
    private static JsonNode timeless(ObjectNode line) {
        ObjectNode c = line.deepCopy();
        ObjectNode stats = (ObjectNode) c.get("stats");
        for (String k : List.of("seconds", "peak_rss_bytes", "decode_tokens_per_s", "vision_cached", "prefix_cached_tokens")) stats.remove(k);
        if (c.hasNonNull("first_token_kl")) c.put("first_token_kl", round(c.get("first_token_kl").asDouble()));
        return c;
    }

    private static JsonNode timelessResults(Path dir) throws IOException {
        JsonNode copy = JSON.readTree(dir.resolve(Report.RESULTS).toFile()).path("results").deepCopy();
        for (JsonNode c : copy) {
            ((ObjectNode) c).remove("seconds_per_sample");
            ObjectNode f = (ObjectNode) c.get("fidelity_vs_none");
            if (f.hasNonNull("first_token_kl_mean")) f.put("first_token_kl_mean", round(f.get("first_token_kl_mean").asDouble()));
        }
        return copy;
    }

    private static double round(double kl) {
        return kl == 0 ? 0 : new BigDecimal(kl).round(new MathContext(4)).doubleValue();
    }

    @Test
    void predictionsAndScoresEqualTheInProcessRun() throws IOException {
        Path out = tmp.resolve("spark");
        RunSummary s = spark(out, samples);
        assertEquals(9, s.predicted(), "3 samples x (none + 2 cells)");
        assertEquals(2, s.videosEncoded() + s.videosCached(), "each video went to one task, once");
        List<ObjectNode> a = lines(inProcess), b = lines(out);
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).path("resps"), b.get(i).path("resps"), "the same answer, in the same order, line " + (i + 1));
            assertEquals(timeless(a.get(i)), timeless(b.get(i)), "line " + (i + 1));
        }
        assertEquals(timelessResults(inProcess), timelessResults(out), "the same scores in results.json");
    }

    @Test
    void aResumedRunSendsOnlyWhatIsPending() throws IOException {
        Path out = tmp.resolve("resumed");
        Files.createDirectories(out);
        // an earlier run that finished the oracle clip's two questions in every cell
        StringBuilder earlier = new StringBuilder();
        for (ObjectNode l : lines(inProcess)) if (!l.path("video").asText().endsWith("synthetic.mp4")) earlier.append(l).append('\n');
        Files.writeString(out.resolve(EvalRunner.PREDICTIONS), earlier);
        RunSummary s = spark(out, samples);
        assertEquals(6, s.resumed());
        assertEquals(3, s.predicted(), "only the synthetic clip's question, in the three cells");
        assertEquals(1, s.videosEncoded() + s.videosCached(), "the finished video was not sent");
        assertEquals(timelessResults(inProcess), timelessResults(out));
    }

    @Test
    void anUnknownTaskIsOneLineAndRunsNothing() {
        Path out = tmp.resolve("bad");
        List<EvalSample> bad = List.of(samples.get(0), new EvalSample("no_such_task", 0, Map.of(), samples.get(0).video()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> spark(out, bad));
        assertTrue(e.getMessage().contains("no_such_task"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertFalse(Files.exists(out.resolve(EvalRunner.PREDICTIONS)), "nothing ran");
    }

    private static int cli(List<String> args, java.io.StringWriter out, java.io.StringWriter err) {
        return dev.dycoke4j.cli.Main.execute(args.toArray(String[]::new), new java.io.PrintWriter(out), new java.io.PrintWriter(err));
    }

    @Test
    void theCliRunsOnSparkWithTheSameScores() throws IOException {
        Path file = tmp.resolve("samples.jsonl");
        StringBuilder sb = new StringBuilder();
        for (EvalSample x : samples) {
            ObjectNode n = JSON.createObjectNode().put("task", x.task()).put("doc_id", x.docId()).put("video", x.video().toString());
            n.set("doc", dev.dycoke4j.eval.PyJson.toJson(x.doc()));
            sb.append(n).append('\n');
        }
        Files.writeString(file, sb);
        Path out = tmp.resolve("cli");
        java.io.StringWriter o = new java.io.StringWriter(), e = new java.io.StringWriter();
        int code = cli(List.of("eval", "run", "--model", Oracle.model().toString(), "--samples", file.toString(), "--tasks", "videomme",
                "--methods", "none,dycoke,fastv", "--ratios", "0.5", "--dp-l", "1", "--fastv-k", "1", "--frames", "4", "--max-new-tokens", "3",
                "--out", out.toString(), "--spark", "local[2]", "--json"), o, e);
        assertEquals(0, code, e.toString());
        assertTrue(e.toString().contains("9 predictions made"), e.toString());
        assertEquals(timelessResults(inProcess), timelessResults(out));
        assertEquals(JSON.readTree(out.resolve(Report.RESULTS).toFile()), JSON.readTree(o.toString()), "--json prints results.json");
    }

    @Test
    void anUnknownTaskOnTheCommandLineIsOneLine() throws IOException {
        Path file = tmp.resolve("samples.jsonl");
        Files.writeString(file, "{\"task\": \"no_such_task\", \"doc_id\": 0, \"doc\": {}, \"video\": \"" + samples.get(0).video() + "\"}\n");
        java.io.StringWriter o = new java.io.StringWriter(), e = new java.io.StringWriter();
        int code = cli(List.of("eval", "run", "--model", Oracle.model().toString(), "--samples", file.toString(), "--tasks", "videomme",
                "--out", tmp.resolve("bad").toString(), "--spark", "local[2]"), o, e);
        assertTrue(code != 0);
        List<String> problems = e.toString().lines().filter(l -> !l.equals("dycoke: (--verbose shows the stack trace)")).toList();
        assertEquals(List.of("dycoke: " + file + ": unknown task 'no_such_task' (doc 0)"), problems);
        assertFalse(Files.exists(tmp.resolve("bad").resolve(EvalRunner.PREDICTIONS)), "nothing ran");
    }

    /** DyCoke at 1% of no compression's prefill FLOPs, out of its reach on these videos, and FastV at half the tokens. */
    private static List<Cell> budgetCells() {
        return List.of(new Cell("dycoke", 0.01, CompressionMethods.parse("dycoke", Map.of("ratio", "0.01", "dp_l", "1", "budget", "flops"))),
                new Cell("fastv", 0.5, CompressionMethods.parse("fastv", Map.of("ratio", "0.5", "fastv_k", "1"))));
    }

    private static dev.dycoke4j.eval.run.RunListener collect(List<String> problems) {
        return new dev.dycoke4j.eval.run.RunListener() {
            @Override
            public void problem(String line) {
                problems.add(line);
            }
        };
    }

    @Test
    void anUnreachableBudgetIsFoundOnceAndReportedAsInProcess() throws IOException {
        List<String> here = new ArrayList<>(), there = new ArrayList<>();
        Path a = tmp.resolve("budget-in-process"), b = tmp.resolve("budget-spark");
        qa.clearCaches();
        RunSummary in = new EvalRunner(qa, budgetCells(), options(), a, collect(here)).run(samples);
        RunSummary sp = new SparkEval().run(new DistributedRun.Request("local[2]", Oracle.model(), LoadOptions.asStored(), null, budgetCells(), options(), b),
                samples, collect(there));
        assertEquals(1, here.size(), here.toString());
        assertTrue(here.getFirst().startsWith("dycoke@0.01: cannot run at this budget (ratio dycoke reaches "), here.getFirst());
        assertEquals(here, there, "the same one line");
        assertEquals(in.unreachable(), sp.unreachable());
        assertEquals(6, sp.predicted(), "3 samples in none and fastv@0.5");
        List<ObjectNode> x = lines(a), y = lines(b);
        assertEquals(x.size(), y.size());
        for (int i = 0; i < x.size(); i++) assertEquals(timeless(x.get(i)), timeless(y.get(i)), "line " + (i + 1));
        assertEquals(timelessResults(a), timelessResults(b));
        assertEquals(JSON.readTree(a.resolve(Report.RESULTS).toFile()).path("run").path("unreachable_cells"),
                JSON.readTree(b.resolve(Report.RESULTS).toFile()).path("run").path("unreachable_cells"));
    }

    @Test
    void anExecutorSkipsTheCellsTheDriverKnowsCannotRun() {
        WorkerSpec spec = WorkerSpec.of(Oracle.model(), LoadOptions.asStored(), null, EvalRunner.withNone(budgetCells()), options());
        VideoTask task = VideoTask.of(0, List.of(samples.get(1)), List.of());
        // not known: tried on the video and found, with the in-process run's line
        VideoResult found = new AnswerPartition(spec, Map.of()).call(List.of(task).iterator()).next();
        assertEquals(java.util.Set.of("dycoke@0.01"), found.unreachable().keySet());
        assertEquals(1, found.problems().size(), found.problems().toString());
        // known: neither tried nor reported again, the other cells answered
        VideoResult skipped = new AnswerPartition(spec, found.unreachable()).call(List.of(task).iterator()).next();
        assertEquals(Map.of(), skipped.unreachable());
        assertEquals(List.of(), skipped.problems());
        assertEquals(2, skipped.lines().size(), "none and fastv@0.5");
        assertTrue(skipped.lines().stream().noneMatch(l -> l.contains("\"cell\":\"dycoke@0.01\"")));
    }
}
