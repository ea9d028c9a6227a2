package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.eval.FakeJudgeEndpoint;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dycoke eval run} and {@code dycoke eval judge} on the oracle model and a fake judge. */
class EvalRunCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** A Video-MME and an ActivityNet-QA question about the oracle clip, as a samples file. */
    private Path samples() throws IOException {
        Path clip = Oracle.root().resolve("golden").resolve("clip.mkv");
        String mme = "{\"task\": \"videomme\", \"doc_id\": 0, \"video\": \"" + clip + "\", \"doc\": {\"video_id\": \"101\", \"duration\": \"short\", "
                + "\"domain\": \"Knowledge\", \"sub_category\": \"Astronomy\", \"url\": \"u\", \"videoID\": \"Qx7Kp2mTn0a\", \"question_id\": \"101-1\", "
                + "\"task_type\": \"Object Recognition\", \"question\": \"Which planet?\", \"options\": [\"A. Mars.\", \"B. Jupiter.\", \"C. Saturn.\", \"D. Venus.\"], "
                + "\"answer\": \"B\"}}";
        String anet = "{\"task\": \"activitynetqa\", \"doc_id\": 0, \"video\": \"" + clip + "\", \"doc\": {\"video_name\": \"kPm3Qx8TzA1\", "
                + "\"question\": \"what is the person doing\", \"answer\": \"skating\", \"question_id\": \"q1\", \"type\": \"0\"}}";
        Path f = tmp.resolve("samples.jsonl");
        Files.writeString(f, mme + "\n" + anet + "\n");
        return f;
    }

    private String[] args(Path samples, Path out, String tasks, String methods) {
        return new String[]{"eval", "run", "--model", Oracle.model().toString(), "--samples", samples.toString(), "--tasks", tasks, "--methods", methods,
                "--ratios", "0.5", "--dp-l", "1", "--frames", "4", "--max-new-tokens", "2", "--out", out.toString(), "--json"};
    }

    @Test
    void runsThenJudges() throws IOException {
        Path out = tmp.resolve("out");
        Cli r = Cli.run(args(samples(), out, "videomme,activitynetqa", "none,dycoke"));
        assertEquals(0, r.code(), r.err());
        JsonNode results = JSON.readTree(r.out());
        assertEquals(4, results.path("results").size(), "2 tasks x (none, dycoke@0.5): " + r.out());
        assertTrue(r.err().contains("dycoke eval: 4 predictions made, 0 already there; 1 videos encoded"), r.err());
        Cli again = Cli.run(args(samples(), out, "videomme,activitynetqa", "none,dycoke"));
        assertTrue(again.err().contains("dycoke eval: 0 predictions made, 4 already there"), again.err());
        try (FakeJudgeEndpoint fake = new FakeJudgeEndpoint(JSON.readTree("[{\"status\": 200, \"content\": \"{'pred': 'no', 'score': 1}\"}]"))) {
            Cli j = Cli.run(Map.of("OPENAI_API_KEY", "sk-test"), "eval", "judge", out.toString(), "--judge-url", fake.base() + "/v1/chat/completions", "--json");
            assertEquals(0, j.code(), j.err());
            assertTrue(j.err().contains("2 judged by gpt-4o-mini"), j.err());
            JsonNode judged = JSON.readTree(j.out());
            for (JsonNode c : judged.path("results"))
                if (c.path("task").asText().equals("activitynetqa")) assertEquals(1.0, c.path("metrics").path("gpt_eval_score").path("value").asDouble());
        }
    }

    @Test
    void badInputGetsOneLine() throws IOException {
        Path s = samples(), out = tmp.resolve("o");
        Cli task = Cli.run(args(s, out, "videomme,nope", "none"));
        assertEquals(2, task.code());
        assertTrue(task.problem().startsWith("dycoke: --tasks: unknown task 'nope' (known: videomme"), task.problem());
        Cli method = Cli.run(args(s, out, "videomme", "none,dycok"));
        assertEquals(2, method.code());
        assertTrue(method.problem().startsWith("dycoke: --methods takes none, dycoke"), method.problem());
        assertTrue(method.problem().endsWith("; got 'dycok'"), method.problem());
        Cli missing = Cli.run(args(s, out, "mvbench_action_sequence", "none"));
        assertEquals(1, missing.code());
        assertEquals("dycoke: " + s + ": no samples of task mvbench_action_sequence", missing.problem());
        Cli judge = Cli.run("eval", "judge", tmp.resolve("nothing").toString());
        assertEquals(2, judge.code());
        assertTrue(judge.problem().endsWith("not a folder of 'dycoke eval run' output"), judge.problem());
    }

    /**
     * The tasks' datasets in a folder laid out as lmms-eval's cache: ActivityNet-QA's parquet (as its Hub repo ships
     * it, written here by DuckDB) in the hub cache below it, one of its two videos extracted where the copy looks.
     */
    @Test
    void runsFromADataDirAndNamesMissingVideos() throws Exception {
        Path data = tmp.resolve("data"), repo = data.resolve("hub/datasets--lmms-lab--ActivityNetQA");
        String commit = "0123456789abcdef0123456789abcdef01234567";
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), commit);
        Path parquet = repo.resolve("snapshots/" + commit + "/data/test-00000-of-00001.parquet");
        Files.createDirectories(parquet.getParent());
        try (var c = java.sql.DriverManager.getConnection("jdbc:duckdb:"); var st = c.createStatement()) {
            st.execute("COPY (SELECT 'abc' AS video_name, 'what is it' AS question, 'a ball' AS answer, 'v_abc_1' AS question_id, '0' AS type "
                    + "UNION ALL SELECT 'gone', 'and this', 'nothing', 'v_gone_1', '0') TO '" + parquet + "' (FORMAT parquet)");
        }
        Path video = data.resolve("activitynetqa/all_test/v_abc.mp4");
        Files.createDirectories(video.getParent());
        Files.copy(Oracle.root().resolve("golden").resolve("clip.mkv"), video);
        String[] base = {"eval", "run", "--model", Oracle.model().toString(), "--data-dir", data.toString(), "--tasks", "activitynetqa",
                "--methods", "none", "--frames", "4", "--max-new-tokens", "2", "--out", tmp.resolve("out").toString(), "--json"};
        Cli missing = Cli.run(base);
        assertEquals(1, missing.code(), missing.err());
        assertTrue(missing.problem().startsWith("dycoke: videos missing: activitynetqa: 1 of 2 videos missing (first: "), missing.problem());
        assertTrue(missing.problem().endsWith("or run with --skip-missing"), missing.problem());
        assertTrue(Files.notExists(tmp.resolve("out/predictions.jsonl")), "nothing ran");
        String[] skip = java.util.Arrays.copyOf(base, base.length + 1);
        skip[base.length] = "--skip-missing";
        Cli r = Cli.run(skip);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("dycoke eval: 1 predictions made, 0 already there; 1 videos encoded"), r.err());
        assertEquals(1, Files.readAllLines(tmp.resolve("out/predictions.jsonl")).size());
        Cli both = Cli.run("eval", "run", "--model", Oracle.model().toString(), "--samples", tmp.resolve("s.jsonl").toString(), "--data-dir", data.toString(),
                "--tasks", "activitynetqa", "--out", tmp.resolve("out2").toString());
        assertEquals(2, both.code());
        assertEquals("dycoke: --samples takes the place of --data-dir, --download and --skip-missing", both.problem());
    }
}
