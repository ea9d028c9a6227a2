package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.eval.data.EvalSample;
import dev.dycoke4j.eval.run.SamplesFile;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.video.SyntheticClip;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The harness's cost measure (what scripts/bench-eval runs on the 0.5B-shaped checkpoint) on the oracle model:
 * {@code eval samples} writes made-up Video-MME questions about a synthetic clip, and {@code eval run} over them gives,
 * for every cell, seconds per sample by stage and the fidelity to {@code none}.
 */
class EvalSamplesCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> STAGES = List.of("decode_video", "preprocess", "vision", "project_pool", "compress", "prefill", "generate", "total");

    @TempDir
    Path tmp;

    @Test
    void writesVideoMmeQuestionsAboutTheClip() throws IOException {
        Path clip = tmp.resolve("clip.mp4");
        SyntheticClip.write(clip, 64, 48, 16, 8);
        Path file = tmp.resolve("s").resolve("samples.jsonl");
        Cli r = Cli.run("eval", "samples", "--clip", clip.toString(), "--questions", "8", "--out", file.toString());
        assertEquals(0, r.code(), r.err());
        List<EvalSample> samples = SamplesFile.read(file);
        assertEquals(8, samples.size());
        for (int i = 0; i < 8; i++) {
            EvalSample s = samples.get(i);
            assertEquals("videomme", s.task());
            assertEquals(i, s.docId());
            assertEquals(clip.toAbsolutePath(), s.video());
            assertEquals("001-" + (i + 1), s.doc().get("question_id"));
        }
        assertEquals(samples.get(0).doc().get("question"), samples.get(6).doc().get("question"), "six questions, then again");
        assertEquals("dycoke: --questions must be at least 1, got 0", Cli.run("eval", "samples", "--clip", clip.toString(), "--questions", "0", "--out", file.toString()).problem());
        assertEquals("dycoke: --clip " + tmp.resolve("none.mp4") + ": no such file",
                Cli.run("eval", "samples", "--clip", tmp.resolve("none.mp4").toString(), "--out", file.toString()).problem());
    }

    @Test
    void theCostRunGivesSecondsPerStageAndFidelityForEveryCell() throws IOException {
        Path clip = tmp.resolve("clip.mp4");
        SyntheticClip.write(clip, 64, 48, 16, 8);
        Path out = tmp.resolve("cost");
        Path file = out.resolve("samples.jsonl");
        assertEquals(0, Cli.run("eval", "samples", "--clip", clip.toString(), "--out", file.toString()).code());
        // scripts/bench-eval's cells, with the layers of the oracle's three and fewer frames and tokens
        Cli r = Cli.run("eval", "run", "--model", Oracle.model().toString(), "--samples", file.toString(), "--tasks", "videomme",
                "--methods", "none,dycoke,fastv,prumerge,visionzip", "--ratios", "0.5", "--dp-l", "1", "--fastv-k", "1", "--frames", "8",
                "--max-new-tokens", "3", "--out", out.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("15 predictions made, 0 already there; 1 videos encoded"), r.err());
        JsonNode results = JSON.readTree(r.out()).path("results");
        List<String> cells = new ArrayList<>();
        for (JsonNode c : results) {
            cells.add(c.path("cell").asText());
            assertEquals(3, c.path("samples").asInt());
            for (String stage : STAGES) assertTrue(c.path("seconds_per_sample").path(stage).isNumber(), c.path("cell") + " " + stage);
            assertTrue(c.path("seconds_per_sample").path("total").asDouble() > 0, c.toString());
            assertTrue(c.path("seconds_per_sample").path("prefill").asDouble() > 0, c.toString());
            JsonNode f = c.path("fidelity_vs_none");
            assertEquals(3, f.path("compared").asInt(), c.toString());
            assertTrue(f.path("answer_agreement").isNumber() && f.path("first_token_kl_mean").isNumber(), c.toString());
            assertEquals(3, c.path("breakdown").path("task_type").path("Object Recognition").path("n").asInt()
                    + c.path("breakdown").path("task_type").path("Counting Problem").path("n").asInt()
                    + c.path("breakdown").path("task_type").path("Attribute Perception").path("n").asInt());
        }
        assertEquals(List.of("none", "dycoke@0.5", "fastv@0.5", "prumerge@0.5", "visionzip@0.5"), cells);
        assertEquals(1.0, results.get(0).path("fidelity_vs_none").path("answer_agreement").asDouble(), "none agrees with itself");
        String md = Files.readString(out.resolve("results.md"));
        assertTrue(md.contains("| s/sample |") && md.contains("| answer agreement vs none |") && md.contains("#### videomme by task_type"), md);
    }
}
