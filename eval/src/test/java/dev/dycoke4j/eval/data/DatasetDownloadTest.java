package dev.dycoke4j.eval.data;

import dev.dycoke4j.hub.DownloadOptions;
import dev.dycoke4j.hub.DownloadProgress;
import dev.dycoke4j.hub.HubEnv;
import dev.dycoke4j.hub.HubException;
import dev.dycoke4j.testing.FakeHub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A dataset repo downloaded from a fake Hub into the Hugging Face cache (dataset URLs, datasets--org--name), its video
 * zips extracted into HF_HOME/cache_dir, then loaded with every video found; a second preparation downloads nothing.
 */
class DatasetDownloadTest {
    private static final String COMMIT = "fedcba9876543210fedcba9876543210fedcba98";

    @TempDir
    Path tmp;

    private static Map<String, Object> row(String id, String qid) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("video_id", "001");
        r.put("duration", "short");
        r.put("domain", "Knowledge");
        r.put("sub_category", "Astronomy");
        r.put("videoID", id);
        r.put("question_id", qid);
        r.put("task_type", "Counting Problem");
        r.put("question", "How many?");
        r.put("options", List.of("A. 1.", "B. 2.", "C. 3.", "D. 4."));
        r.put("answer", "A");
        return r;
    }

    @Test
    void aTasksDatasetIsDownloadedExtractedAndLoaded() throws IOException {
        Path repoDir = tmp.resolve("repo");
        DataDir.parquet(repoDir.resolve("test.parquet"), List.of(row("v1", "1-1"), row("v2", "2-1")));
        DataDir.zip(repoDir.resolve("videos_chunked_01.zip"), Map.of("data/v1.mp4", "one".getBytes(StandardCharsets.UTF_8)));
        DataDir.zip(repoDir.resolve("videos_chunked_02.zip"), Map.of("data/v2.mp4", "two".getBytes(StandardCharsets.UTF_8)));
        DataDir.zip(repoDir.resolve("subtitle.zip"), Map.of("subtitle/v1.srt", "1\n00:00:00,000 --> 00:00:01,000\nhi\n".getBytes(StandardCharsets.UTF_8)));
        try (FakeHub hub = new FakeHub()) {
            Map<String, byte[]> files = new LinkedHashMap<>();
            files.put("README.md", "# Video-MME".getBytes(StandardCharsets.UTF_8));
            files.put("videomme/test-00000-of-00001.parquet", Files.readAllBytes(repoDir.resolve("test.parquet")));
            for (String z : List.of("videos_chunked_01.zip", "videos_chunked_02.zip", "subtitle.zip")) files.put(z, Files.readAllBytes(repoDir.resolve(z)));
            hub.addDataset("lmms-lab/Video-MME", COMMIT, files);
            DataLocation where = DataLocation.dataDir(tmp.resolve("hf"));
            HubEnv env = HubEnv.from(hub.env(where.hubCache()), tmp);
            DatasetDownload dl = new DatasetDownload(env, where, DownloadOptions.defaults().withAttempts(1, 0), DownloadProgress.NONE);

            VideoArchives.Extracted e = dl.prepare("videomme");
            assertEquals(3, e.written());
            assertEquals(1, hub.count("GET", "/api/datasets/lmms-lab/Video-MME/revision/main"));
            assertEquals(5, hub.count("HEAD", "/datasets/lmms-lab/Video-MME/resolve/" + COMMIT + "/"));
            assertEquals(COMMIT, Files.readString(where.hubCache().resolve("datasets--lmms-lab--Video-MME/refs/main")));
            assertTrue(Files.isSymbolicLink(where.hubCache().resolve("datasets--lmms-lab--Video-MME/snapshots/" + COMMIT + "/videomme/test-00000-of-00001.parquet")));
            assertEquals("1\n00:00:00,000 --> 00:00:01,000\nhi\n", Files.readString(tmp.resolve("hf/videomme/subtitle/v1.srt")));

            TaskSamples ts = new EvalDatasets(where).load("videomme");
            assertEquals(List.of(tmp.resolve("hf/videomme/data/v1.mp4"), tmp.resolve("hf/videomme/data/v2.mp4")), ts.samples().stream().map(EvalSample::video).toList());
            assertEquals("1-1", ts.samples().getFirst().doc().get("question_id"));

            long heads = hub.count("HEAD", "/resolve/");
            assertEquals(new VideoArchives.Extracted(0, 3), dl.prepare("videomme_w_subtitle"));
            assertEquals(heads, hub.count("HEAD", "/resolve/"), "files in the cache are not asked for again");
        }
    }

    @Test
    void anUnknownDatasetRepoIsNamed() throws IOException {
        try (FakeHub hub = new FakeHub()) {
            DataLocation where = DataLocation.dataDir(tmp.resolve("hf"));
            DatasetDownload dl = new DatasetDownload(HubEnv.from(hub.env(where.hubCache()), tmp), where, DownloadOptions.defaults(), DownloadProgress.NONE);
            HubException e = assertThrows(HubException.class, () -> dl.pull("lmms-lab/NExTQA"));
            assertEquals(HubException.Kind.NOT_FOUND, e.kind());
            assertTrue(e.getMessage().startsWith("lmms-lab/NExTQA: repository not found on " + hub.endpoint()), e.getMessage());
        }
    }

    @Test
    void offlineUsesOnlyTheCache() {
        DataLocation where = DataLocation.dataDir(tmp.resolve("hf"));
        HubEnv env = HubEnv.from(Map.of("HF_HUB_CACHE", where.hubCache().toString(), "HF_HUB_OFFLINE", "1"), tmp);
        HubException e = assertThrows(HubException.class, () -> new DatasetDownload(env, where, DownloadOptions.defaults(), DownloadProgress.NONE).pull("lmms-lab/egoschema"));
        assertEquals("dataset lmms-lab/egoschema: not in the Hugging Face cache " + where.hubCache()
                + ", and offline mode is on (HF_HUB_OFFLINE); download it with network first", e.getMessage());
    }
}
