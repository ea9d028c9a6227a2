package dev.dycoke4j.eval.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.eval.CacheFiles;
import dev.dycoke4j.eval.PyJson;
import dev.dycoke4j.eval.Task;
import dev.dycoke4j.eval.Tasks;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The eval oracle's dataset rows (the prompt cases with the YAML's kwargs), written in each task's real file format
 * and layout, then loaded end to end: every document comes back equal to its row, with its doc id and its video where
 * the task's doc_to_visual looks, and the task's prompt on the loaded document is the golden prompt (Video-MME's
 * subtitle prompts reading their .srt and probed video through the cache folder).
 */
class DatasetOracleTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Case(String task, Map<String, Object> doc, String expected, Map<String, Object> fixtures) {
    }

    static Stream<String> tasks() throws IOException {
        return cases().keySet().stream();
    }

    /** The prompt cases with the YAML's kwargs, by task, for the tasks that have a dataset. */
    @SuppressWarnings("unchecked")
    static Map<String, List<Case>> cases() throws IOException {
        Map<String, List<Case>> out = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(Oracle.shared().resolve("eval-oracle"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
                for (String line : Files.readAllLines(f)) {
                    JsonNode r = JSON.readTree(line);
                    if (!r.path("kind").asText().equals("prompt") || !r.path("kwargs_source").asText().equals("yaml") || !r.has("expected")) continue;
                    String task = r.get("task").asText();
                    if (!DatasetSpecs.tasks().contains(task)) continue;
                    Object fixtures = PyJson.fromJson(r.get("fixtures"));
                    out.computeIfAbsent(task, k -> new ArrayList<>()).add(new Case(task, (Map<String, Object>) PyJson.fromJson(r.get("doc")),
                            r.get("expected").asText(), fixtures == null ? Map.of() : (Map<String, Object>) fixtures));
                }
            }
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("tasks")
    void oracleRowsLoadAsTheTaskFunctionsExpect(String taskName, @TempDir Path tmp) throws IOException {
        List<Case> cases = cases().get(taskName);
        DataDir dir = new DataDir(tmp);
        DatasetSpec spec = DatasetSpecs.of(taskName);
        Path snap = dir.snapshot(spec.repo());
        List<Map<String, Object>> rows = cases.stream().map(Case::doc).toList();
        writeRows(taskName, snap, rows);
        Map<Path, CacheFiles.VideoProbe> probes = new HashMap<>();
        List<Path> videos = new ArrayList<>();
        for (Case c : cases) {
            Path v = tmp.resolve(videoPath(taskName, c.doc()));
            if (taskName.equals("mvbench_episodic_reasoning")) Files.createDirectories(v); // a folder of frames
            else dir.file(videoPath(taskName, c.doc()), "video");
            videos.add(v);
            if (c.fixtures().get("subtitle_srt") instanceof String srt) dir.file("videomme/subtitle/" + c.doc().get("videoID") + ".srt", srt);
            if (c.fixtures().get("video_at_vendored_path") instanceof Map<?, ?> m) {
                Path at = dir.file("videomme/" + c.doc().get("videoID") + ".mp4", "video");
                probes.put(at, new CacheFiles.VideoProbe(((Number) m.get("fps")).doubleValue(), ((Number) m.get("frame_count")).longValue()));
            }
        }
        EvalDatasets data = new EvalDatasets(dir.location());
        TaskSamples ts = data.load(taskName);
        CacheFiles files = data.cacheFiles(probes::get);
        Task task = Tasks.get(taskName);
        assertEquals(cases.size(), ts.samples().size());
        assertEquals(0, ts.missing().count());
        for (int i = 0; i < cases.size(); i++) {
            EvalSample s = ts.samples().get(i);
            assertEquals(taskName, s.task());
            assertEquals(i, s.docId());
            assertEquals(videos.get(i), s.video());
            for (var e : cases.get(i).doc().entrySet()) assertEquals(e.getValue(), s.doc().get(e.getKey()), taskName + " doc " + i + " field " + e.getKey());
            assertEquals(cases.get(i).expected(), task.prompt(s.doc(), task.kwargs(), files), taskName + " doc " + i);
        }
    }

    /** Each family's real format and layout: MVBench's JSON per sub-task, the others' parquet (a file per row here, in order). */
    private static void writeRows(String task, Path snap, List<Map<String, Object>> rows) throws IOException {
        if (task.startsWith("mvbench_")) {
            DataDir.json(snap.resolve("json/" + task.substring(8) + ".json"), rows);
            return;
        }
        String prefix = switch (task) {
            case "videomme", "videomme_w_subtitle" -> "videomme/test-";
            case "nextqa_mc_test" -> "MC/test-";
            case "perceptiontest_val_mc" -> "mc_question_val/validation-";
            case "egoschema" -> "GENERATION/test-";
            case "egoschema_subset" -> "Subset/test-";
            case "longvideobench_val_v" -> "validation-";
            case "activitynetqa" -> "data/test-";
            case "video_dc499" -> "test/";
            default -> throw new IllegalArgumentException(task);
        };
        for (int i = 0; i < rows.size(); i++)
            DataDir.parquet(snap.resolve(prefix + String.format("%05d-of-%05d.parquet", i, rows.size())), List.of(rows.get(i)));
    }

    /** Where lmms-eval's doc_to_visual of each task finds the video, below HF_HOME. */
    private static String videoPath(String task, Map<String, Object> doc) {
        return switch (task) {
            case "videomme", "videomme_w_subtitle" -> "videomme/data/" + doc.get("videoID") + ".mp4";
            case "mvbench_action_antonym" -> "mvbench/ssv2_video/" + doc.get("video");
            case "mvbench_episodic_reasoning" -> "mvbench/tvqa/frames_fps3_hq/" + doc.get("video");
            case "mvbench_fine_grained_pose" -> "mvbench/nturgbd/" + doc.get("video");
            case "mvbench_object_existence" -> "mvbench/clevrer/video_validation/" + doc.get("video");
            case "nextqa_mc_test" -> "nextqa/NExTVideo/" + doc.get("video") + ".mp4";
            case "perceptiontest_val_mc" -> "perceptiontest_val/videos/" + doc.get("video_name") + ".mp4";
            case "egoschema", "egoschema_subset" -> "egoschema/videos/" + doc.get("video_idx") + ".mp4";
            case "longvideobench_val_v" -> "longvideobench/videos/" + doc.get("video_path");
            case "activitynetqa" -> "activitynetqa/all_test/v_" + doc.get("video_name") + ".mp4";
            case "video_dc499" -> "videochatgpt/Test_Videos/" + doc.get("video_name") + ".mp4";
            default -> throw new IllegalArgumentException(task);
        };
    }

    @org.junit.jupiter.api.Test
    void everyTaskFamilyIsCovered() throws IOException {
        List<String> covered = new ArrayList<>(cases().keySet());
        for (String family : List.of("videomme", "videomme_w_subtitle", "nextqa_mc_test", "perceptiontest_val_mc", "egoschema", "egoschema_subset",
                "longvideobench_val_v", "activitynetqa", "video_dc499"))
            assertTrue(covered.contains(family), family + " has no oracle rows");
        assertTrue(covered.stream().anyMatch(t -> t.startsWith("mvbench_")), "no MVBench oracle rows");
    }
}
