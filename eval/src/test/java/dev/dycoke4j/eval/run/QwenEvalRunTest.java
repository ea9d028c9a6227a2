package dev.dycoke4j.eval.run;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.eval.data.EvalSample;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.testing.QwenVlOracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code dycoke eval run} with the tiny Qwen2.5-VL checkpoint: two Video-MME questions on the Qwen oracle clip, none
 * and DyCoke on one encode of the video, the second question reusing the video's prompt prefix; a method Qwen cannot
 * run is one line and its cell is skipped.
 */
class QwenEvalRunTest {
    @TempDir
    Path tmp;

    @Test
    void aQwenRunAnswersEveryCellItCanRunOnOneEncode() {
        Path clip = QwenVlOracle.root().resolve("golden").resolve("clip.mkv");
        List<EvalSample> samples = List.of(
                new EvalSample("videomme", 0, RunFixture.videomme("101-1", "Which planet does the presenter point to first?", "B"), clip),
                new EvalSample("videomme", 1, RunFixture.videomme("101-2", "Which planet is shown last?", "D"), clip));
        List<Cell> cells = List.of(RunFixture.cell("dycoke", 0.5, "dp_l"),
                new Cell("visionzip", 0.5, CompressionMethods.parse("visionzip", Map.of("ratio", "0.5"))));
        List<String> problems = new ArrayList<>();
        int[] encodes = {0};
        try (VideoQa qa = VideoQa.load(QwenVlOracle.model())) {
            qa.progress((stage, done, total) -> {
                if (stage.equals("vision") && done == total) encodes[0]++;
            });
            RunSummary s = new EvalRunner(qa, cells, RunFixture.options(), tmp.resolve("out"), new RunListener() {
                @Override
                public void problem(String line) {
                    problems.add(line);
                }
            }).run(samples);
            assertEquals(1, encodes[0], "the vision tower ran once for the video");
            assertEquals(2 * 2, s.predicted(), "2 samples x (none + dycoke)");
        }
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.getFirst().startsWith("visionzip@0.5: cannot run on this model (compression method 'visionzip' ranks tokens by the vision tower's attention"),
                problems.getFirst());
        List<ObjectNode> preds = RunFixture.predictions(tmp.resolve("out"));
        assertEquals(4, preds.size());
        for (ObjectNode p : preds) {
            assertEquals(RunFixture.FRAMES, p.path("stats").path("frames").asInt(), p.toString());
            assertTrue(p.path("stats").path("generated_tokens").asInt() >= 1, p.toString());
        }
        ObjectNode second = preds.stream().filter(p -> p.path("cell").asText().equals("dycoke@0.5") && p.path("doc_id").asInt() == 1)
                .findFirst().orElseThrow();
        assertTrue(second.path("stats").path("prefix_cached_tokens").asInt() > 0, second.path("stats").toString());
    }
}
