package dev.dycoke4j.eval.data;

import dev.dycoke4j.eval.Tasks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading: doc order across files, video fallbacks, the missing-video report and skipping, and each bad input's one line. */
class EvalDatasetsTest {
    @TempDir
    Path tmp;

    private static Map<String, Object> videomme(String id, String qid) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("video_id", "001");
        r.put("duration", "short");
        r.put("domain", "Knowledge");
        r.put("sub_category", "Astronomy");
        r.put("url", "https://www.youtube.com/watch?v=" + id);
        r.put("videoID", id);
        r.put("question_id", qid);
        r.put("task_type", "Counting Problem");
        r.put("question", "How many planets are shown?");
        r.put("options", List.of("A. 1.", "B. 2.", "C. 3.", "D. 4."));
        r.put("answer", "C");
        return r;
    }

    private static Map<String, Object> mvbench(String video) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("video", video);
        r.put("question", "What happens?");
        r.put("candidates", List.of("Folding", "Unfolding"));
        r.put("answer", "Unfolding");
        return r;
    }

    @Test
    void docIdsFollowTheSortedFilesAndTheirRowsAndVideosFallBackAsTheCopyTries() throws IOException {
        DataDir dir = new DataDir(tmp);
        Path snap = dir.snapshot("lmms-lab/Video-MME");
        DataDir.parquet(snap.resolve("videomme/test-00001-of-00002.parquet"), List.of(videomme("vidC", "3-1")));
        DataDir.parquet(snap.resolve("videomme/test-00000-of-00002.parquet"), List.of(videomme("vidA", "1-1"), videomme("vidB", "2-1")));
        dir.file("videomme/data/vidA.mp4", "v");
        dir.file("videomme/data/vidB.MP4", "v");
        dir.file("videomme/data/vidC.mkv", "v");
        TaskSamples ts = new EvalDatasets(dir.location()).load("videomme");
        assertEquals(List.of("1-1", "2-1", "3-1"), ts.samples().stream().map(s -> s.doc().get("question_id")).toList());
        assertEquals(List.of(0, 1, 2), ts.samples().stream().map(EvalSample::docId).toList());
        assertEquals(List.of(tmp.resolve("videomme/data/vidA.mp4"), tmp.resolve("videomme/data/vidB.MP4"), tmp.resolve("videomme/data/vidC.mkv")),
                ts.samples().stream().map(EvalSample::video).toList());
        assertEquals(List.of("A. 1.", "B. 2.", "C. 3.", "D. 4."), ts.samples().getFirst().doc().get("options"));
        var task = Tasks.get("videomme");
        assertEquals(task.prompt(videomme("vidA", "1-1"), task.kwargs(), null), task.prompt(ts.samples().getFirst().doc(), task.kwargs(), null));
    }

    @Test
    void activityNetTriesWebmAndMkv() throws IOException {
        DataDir dir = new DataDir(tmp);
        Path snap = dir.snapshot("lmms-lab/ActivityNetQA");
        Map<String, Object> row = new LinkedHashMap<>(Map.of("video_name", "abc", "question", "what is it", "answer", "a dog", "question_id", "v_abc_1", "type", "0"));
        DataDir.parquet(snap.resolve("data/test-00000-of-00001.parquet"), List.of(row));
        dir.file("activitynetqa/all_test/v_abc.webm", "v");
        assertEquals(tmp.resolve("activitynetqa/all_test/v_abc.webm"), new EvalDatasets(dir.location()).load("activitynetqa").samples().getFirst().video());
    }

    @Test
    void missingVideosAreReportedPerTaskAndSkippedOnlyWhenAsked() throws IOException {
        DataDir dir = new DataDir(tmp);
        Path snap = dir.snapshot("OpenGVLab/MVBench");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < 8; i++) rows.add(mvbench("clip" + i + ".webm"));
        DataDir.json(snap.resolve("json/action_antonym.json"), rows);
        dir.file("mvbench/ssv2_video/clip1.webm", "v");
        dir.file("mvbench/ssv2_video/clip7.webm", "v");
        EvalDatasets data = new EvalDatasets(dir.location());
        MissingVideos m = data.load("mvbench_action_antonym").missing();
        assertEquals(new MissingVideos("mvbench_action_antonym", 6, 8, List.of("clip0.webm", "clip2.webm", "clip3.webm", "clip4.webm", "clip5.webm")), m);
        MissingVideosException e = assertThrows(MissingVideosException.class, () -> data.samples(List.of("mvbench_action_antonym"), false));
        assertEquals("videos missing: mvbench_action_antonym: 6 of 8 videos missing (first: clip0.webm, clip2.webm, clip3.webm, clip4.webm, clip5.webm, ...)"
                + "; extract the datasets' video archives into the data folder, or skip those documents", e.getMessage());
        assertEquals(List.of(m), e.missing());
        List<EvalSample> kept = data.samples(List.of("mvbench_action_antonym"), true);
        assertEquals(List.of(1, 7), kept.stream().map(EvalSample::docId).toList());
        assertTrue(kept.stream().allMatch(EvalSample::hasVideo));
    }

    @Test
    void unknownTaskIsOneLineNamingTheKnownOnes() {
        DataException e = assertThrows(DataException.class, () -> new EvalDatasets(new DataDir(tmp).location()).load("videommme"));
        assertTrue(e.getMessage().startsWith("unknown task 'videommme' (known: videomme, videomme_w_subtitle,"), e.getMessage());
    }

    @Test
    void aDatasetNotInTheCacheSaysWhereItWasLookedFor() {
        DataException e = assertThrows(DataException.class, () -> new EvalDatasets(new DataDir(tmp).location()).load("egoschema"));
        assertEquals("egoschema: the dataset lmms-lab/egoschema is not in the Hugging Face cache " + tmp.resolve("hub")
                + " (no datasets--lmms-lab--egoschema/snapshots/...); download it first", e.getMessage());
    }

    @Test
    void aSnapshotWithoutTheSplitsFileNamesTheExpectedOne() throws IOException {
        DataDir dir = new DataDir(tmp);
        Path snap = dir.snapshot("lmms-lab/Video-MME");
        DataDir.parquet(snap.resolve("videomme/validation-00000-of-00001.parquet"), List.of(videomme("a", "1")));
        DataException e = assertThrows(DataException.class, () -> new EvalDatasets(dir.location()).load("videomme"));
        assertEquals(snap + ": no data file for videomme (config default, split test; expected videomme/test-*.parquet)", e.getMessage());
    }

    @Test
    void aDataFileWhoseBlobIsGoneIsNamed() throws IOException {
        DataDir dir = new DataDir(tmp);
        Path snap = dir.snapshot("lmms-lab/NExTQA");
        Files.createDirectories(snap.resolve("MC"));
        Path link = snap.resolve("MC/test-00000-of-00001.parquet");
        Files.createSymbolicLink(link, Path.of("../../../blobs/0000"));
        DataException e = assertThrows(DataException.class, () -> new EvalDatasets(dir.location()).load("nextqa_mc_test"));
        assertEquals(link + ": no such dataset file", e.getMessage());
    }

    @Test
    void aJsonRowWithoutANeededFieldIsNamedByRow() throws IOException {
        DataDir dir = new DataDir(tmp);
        Path snap = dir.snapshot("OpenGVLab/MVBench");
        Map<String, Object> bad = mvbench("b.webm");
        bad.remove("candidates");
        DataDir.json(snap.resolve("json/action_count.json"), List.of(mvbench("a.webm"), bad));
        DataException e = assertThrows(DataException.class, () -> new EvalDatasets(dir.location()).load("mvbench_action_count"));
        assertEquals(snap.resolve("json/action_count.json") + ": row 1: no field 'candidates', which mvbench_action_count needs (video, question, candidates, answer)",
                e.getMessage());
    }

    @Test
    void aParquetFileWithoutANeededColumnIsNamed() throws IOException {
        DataDir dir = new DataDir(tmp);
        Path snap = dir.snapshot("lmms-lab/Video-MME");
        Map<String, Object> row = videomme("a", "1");
        row.remove("task_type");
        Path f = snap.resolve("videomme/test-00000-of-00001.parquet");
        DataDir.parquet(f, List.of(row));
        DataException e = assertThrows(DataException.class, () -> new EvalDatasets(dir.location()).load("videomme"));
        assertEquals(f + ": no field 'task_type', which videomme needs (videoID, question_id, duration, domain, sub_category, task_type, question, options, answer)",
                e.getMessage());
    }

    @Test
    void aCorruptParquetFileIsNamed() throws IOException {
        DataDir dir = new DataDir(tmp);
        Path f = dir.snapshot("lmms-lab/PerceptionTest_Val").resolve("mc_question_val/validation-00000-of-00001.parquet");
        Files.createDirectories(f.getParent());
        Files.writeString(f, "not parquet at all");
        DataException e = assertThrows(DataException.class, () -> new EvalDatasets(dir.location()).load("perceptiontest_val_mc"));
        assertTrue(e.getMessage().startsWith(f + ": not a readable parquet file ("), e.getMessage());
        assertEquals(-1, e.getMessage().indexOf('\n'));
    }

    @Test
    void brokenJsonIsNamed() throws IOException {
        DataDir dir = new DataDir(tmp);
        Path f = dir.snapshot("OpenGVLab/MVBench").resolve("json/state_change.json");
        Files.createDirectories(f.getParent());
        Files.writeString(f, "[{\"video\": \"a\",");
        DataException e = assertThrows(DataException.class, () -> new EvalDatasets(dir.location()).load("mvbench_state_change"));
        assertTrue(e.getMessage().startsWith(f + ": not JSON ("), e.getMessage());
    }

    @Test
    void jsonRowsGetEveryColumnAndMixedNumbersBecomeFloatsAsArrowTypesThem() throws IOException {
        DataDir dir = new DataDir(tmp);
        Path snap = dir.snapshot("OpenGVLab/MVBench");
        Map<String, Object> a = mvbench("a.webm");
        a.put("start", BigInteger.valueOf(3));
        Map<String, Object> b = mvbench("b.webm");
        b.put("start", 4.5);
        Map<String, Object> c = mvbench("c.webm");
        DataDir.json(snap.resolve("json/action_sequence.json"), List.of(a, b, c));
        List<EvalSample> s = new EvalDatasets(dir.location()).load("mvbench_action_sequence").samples();
        assertEquals(3.0, s.get(0).doc().get("start"));
        assertEquals(4.5, s.get(1).doc().get("start"));
        assertTrue(s.get(2).doc().containsKey("start"));
        assertNull(s.get(2).doc().get("start"));
    }

    @Test
    void cacheFilesReadSubtitlesBelowHfHomeAndProbeOnlyExistingVideos() throws IOException {
        DataDir dir = new DataDir(tmp);
        dir.file("videomme/subtitle/x.srt", "1\n00:00:01,000 --> 00:00:02,000\nhi\n");
        dir.file("videomme/x.mp4", "v");
        var files = new EvalDatasets(dir.location()).cacheFiles(p -> new dev.dycoke4j.eval.CacheFiles.VideoProbe(25.0, p.toString().length()));
        assertEquals("1\n00:00:01,000 --> 00:00:02,000\nhi\n", files.text("videomme/subtitle/x.srt"));
        assertNull(files.text("videomme/subtitle/y.srt"));
        assertEquals(new dev.dycoke4j.eval.CacheFiles.VideoProbe(25.0, tmp.resolve("videomme/x.mp4").toString().length()), files.video("videomme/x.mp4"));
        assertNull(files.video("videomme/y.mp4"));
        Files.write(tmp.resolve("videomme/subtitle/bad.srt"), new byte[]{(byte) 0xff, (byte) 0xfe, 'a'});
        DataException e = assertThrows(DataException.class, () -> files.text("videomme/subtitle/bad.srt"));
        assertEquals(tmp.resolve("videomme/subtitle/bad.srt") + ": not UTF-8 text", e.getMessage());
    }

    @Test
    void theHuggingFaceDefaultsFollowHfHomeAndHubCache() {
        Path home = Path.of("/home/u");
        assertEquals(new DataLocation(Path.of("/home/u/.cache/huggingface"), Path.of("/home/u/.cache/huggingface/hub")), DataLocation.from(Map.of(), home));
        assertEquals(new DataLocation(Path.of("/data/hf"), Path.of("/data/hf/hub")), DataLocation.from(Map.of("HF_HOME", "/data/hf"), home));
        assertEquals(new DataLocation(Path.of("/data/hf"), Path.of("/fast/hub")), DataLocation.from(Map.of("HF_HOME", "/data/hf", "HF_HUB_CACHE", "/fast/hub"), home));
        assertEquals(new DataLocation(Path.of("/d"), Path.of("/d/hub")), DataLocation.dataDir(Path.of("/d")));
    }
}
