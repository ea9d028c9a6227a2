package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.io.Q8Cache;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.pipeline.QwenRandomCheckpoint;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.testing.FakeHub;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.testing.QwenVlOracle;
import dev.dycoke4j.video.SyntheticClip;
import dev.dycoke4j.video.VideoReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code dycoke run} on the tiny Qwen2.5-VL checkpoint with {@code --fps} (frames by rate, timed by the file) and
 * {@code --weights q8} through the shared stages, {@code --fps} on chat and bench and in the vision-feature cache key,
 * and {@code bench --shape qwen25vl-3b} run on the written checkpoint.
 */
class CliQwenExtrasTest {
    static final String MODEL = QwenVlOracle.model().toString();
    static final String CLIP = QwenVlOracle.root().resolve("golden/clip.mkv").toString();
    static final String QUESTION = "What happens in this video?";

    @TempDir
    Path tmp;

    static int[] ids(JsonNode root) {
        int[] ids = new int[root.get("token_ids").size()];
        for (int i = 0; i < ids.length; i++) ids[i] = root.get("token_ids").get(i).asInt();
        return ids;
    }

    static int[] golden() {
        try (Safetensors g = QwenVlOracle.golden("forward.safetensors")) {
            return g.get("generated_ids").toIntArray();
        }
    }

    /** The golden clip is 8 frames at 2 fps: --fps 2 takes all 8, 1 s per temporal patch, as the oracle does. */
    @Test
    void fpsTwoOnTheGoldenClipGivesTheGoldenTokens() throws Exception {
        Cli r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--fps", "2", "--prompt", QUESTION, "--max-new-tokens", "12", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertArrayEquals(golden(), ids(root));
        assertEquals(8, root.get("stats").get("frames").asInt());
    }

    /** --fps 1 on the 4 s clip: 4 frames, two temporal patches of 6x8 merged tokens. */
    @Test
    void fpsOneTakesFourFrames() throws Exception {
        Cli r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--fps", "1", "--prompt", QUESTION, "--max-new-tokens", "2", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode stats = new ObjectMapper().readTree(r.out()).get("stats");
        assertEquals(4, stats.get("frames").asInt());
        assertEquals(2 * 6 * 8, stats.get("visual_tokens_pooled").asInt(), stats.toString());
    }

    @Test
    void badFrameChoicesAreOneLineEach() {
        Cli both = Cli.run("run", "--model", MODEL, "--video", CLIP, "--fps", "2", "--frames", "8", "--prompt", "hi");
        assertEquals(2, both.code());
        assertEquals("dycoke: --fps and --frames both choose how many frames Qwen2.5-VL sees; give one of them", both.problem());
        Cli zero = Cli.run("run", "--model", MODEL, "--video", CLIP, "--fps", "0", "--prompt", "hi");
        assertEquals(2, zero.code());
        assertEquals("dycoke: --fps must be a positive number of frames per second, got 0.0", zero.problem());
        Cli negative = Cli.run("run", "--model", MODEL, "--video", CLIP, "--fps", "-1.5", "--prompt", "hi");
        assertEquals(2, negative.code());
        assertEquals("dycoke: --fps must be a positive number of frames per second, got -1.5", negative.problem());
        Cli llava = Cli.run("run", "--model", Oracle.model().toString(), "--video", Oracle.root().resolve("golden/clip.mkv").toString(),
                "--fps", "2", "--prompt", "hi");
        assertEquals(2, llava.code());
        assertEquals("dycoke: --fps samples Qwen2.5-VL's frames by rate; LLaVA-OneVision takes --frames N frames uniformly", llava.problem());
    }

    @Test
    void aVideoTooShortForOnePairIsOneLine() {
        Path one = tmp.resolve("one.mp4");
        SyntheticClip.write(one, 64, 48, 1, 30);
        // what the reader decodes of a one-frame MP4 (FFmpeg's MP4 demuxer may give none of it)
        int n = VideoReader.frameTimes(one).length;
        assertTrue(n < 2, n + " frames");
        String want = "dycoke: " + one + ": the video has " + n + " frame" + (n == 1 ? "" : "s") + ", too few for one temporal patch of 2 frames";
        Cli r = Cli.run("run", "--model", MODEL, "--video", one.toString(), "--frames", "8", "--prompt", "hi");
        assertEquals(1, r.code());
        assertEquals(want, r.problem());
        Cli byRate = Cli.run("run", "--model", MODEL, "--video", one.toString(), "--fps", "2", "--prompt", "hi");
        assertEquals(1, byRate.code());
        assertEquals(want, byRate.problem());
    }

    /**
     * q8 through run: the golden EVS tokens (the plain case has a near-tie at step 3 that int8 weights flip; see
     * Qwen25VlQ8Test), and with --weights-cache the int8 weights written once beside the model, then read back.
     */
    @Test
    void q8RunsOnQwenAndCachesItsWeights() throws Exception {
        Path model = Files.createDirectories(tmp.resolve("model"));
        try (Stream<Path> s = Files.list(QwenVlOracle.model())) {
            for (Path p : s.toList()) Files.copy(p, model.resolve(p.getFileName()));
        }
        String[] args = {"run", "--model", model.toString(), "--video", CLIP, "--frames", "8", "--prompt", QUESTION, "--max-new-tokens", "12",
                "--compress", "evs", "--ratio", "0.5", "--json", "--weights", "q8", "--weights-cache"};
        int[] golden;
        try (Safetensors e = QwenVlOracle.golden("evs.safetensors")) {
            golden = e.get("evs_generated_ids").toIntArray();
        }
        Cli first = Cli.run(args);
        assertEquals(0, first.code(), first.err());
        assertArrayEquals(golden, ids(new ObjectMapper().readTree(first.out())));
        assertTrue(first.err().contains("dycoke: wrote the q8 weights cache " + model.resolve(Q8Cache.LOCAL)), first.err());
        Cli second = Cli.run(args);
        assertEquals(0, second.code(), second.err());
        assertFalse(second.err().contains("wrote the q8 weights cache"), second.err());
        assertArrayEquals(golden, ids(new ObjectMapper().readTree(second.out())));
    }

    /**
     * --fps is part of the vision-feature cache key: with {@code --cache-dir}, 2 fps then 1 fps encode twice (8 frames,
     * then 4), and 1 fps again is served from the cache.
     */
    @Test
    void theRateIsPartOfTheVisionCacheKey() throws Exception {
        String cache = tmp.resolve("cache").toString();
        JsonNode two = runFps(cache, "2"), one = runFps(cache, "1"), again = runFps(cache, "1");
        assertEquals(8, two.get("frames").asInt());
        assertFalse(two.get("vision_cached").asBoolean(), two.toString());
        assertEquals(4, one.get("frames").asInt());
        assertFalse(one.get("vision_cached").asBoolean(), "another rate, other frames: " + one);
        assertEquals(4, again.get("frames").asInt());
        assertTrue(again.get("vision_cached").asBoolean(), again.toString());
    }

    JsonNode runFps(String cache, String fps) throws Exception {
        Cli r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--fps", fps, "--prompt", QUESTION, "--max-new-tokens", "2", "--json", "--cache-dir", cache);
        assertEquals(0, r.code(), r.err());
        return new ObjectMapper().readTree(r.out()).get("stats");
    }

    /** chat takes --fps as run does: 1 fps on the 4 s clip is 4 frames, 2 temporal steps of 6x8 merged tokens. */
    @Test
    void chatSamplesByRate() {
        java.io.StringWriter out = new java.io.StringWriter(), err = new java.io.StringWriter();
        int code = Main.execute(new String[]{"chat", "--model", MODEL, "--video", CLIP, "--fps", "1", "--max-new-tokens", "2"},
                new java.io.ByteArrayInputStream((QUESTION + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true));
        assertEquals(0, code, err.toString());
        assertTrue(err.toString().contains("dycoke chat: 4 frames, 96 visual tokens"), err.toString());
        Cli llava = Cli.run("chat", "--model", Oracle.model().toString(), "--video", Oracle.root().resolve("golden/clip.mkv").toString(), "--fps", "2");
        assertEquals(2, llava.code());
        assertEquals("dycoke: --fps samples Qwen2.5-VL's frames by rate; LLaVA-OneVision takes --frames N frames uniformly", llava.problem());
    }

    /** bench --fps: one row, at the count the rate gives the clip; with --frames, one line. */
    @Test
    void benchSamplesByRate() throws Exception {
        Cli r = Cli.run("bench", "--model", MODEL, "--video", CLIP, "--fps", "1", "--out", tmp.resolve("out").toString(), "--repeat", "1",
                "--max-new-tokens", "2", "--methods", "none", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode runs = new ObjectMapper().readTree(r.out()).get("runs");
        assertEquals(1, runs.size(), runs.toString());
        assertEquals(4, runs.get(0).get("frames").asInt());
        assertEquals(96, runs.get(0).get("visual_tokens").asInt());
        Cli both = Cli.run("bench", "--model", MODEL, "--video", CLIP, "--fps", "1", "--frames", "4", "--out", tmp.resolve("out2").toString());
        assertEquals(2, both.code());
        assertEquals("dycoke: --fps and --frames both choose how many frames Qwen2.5-VL sees; give one of them", both.problem());
    }

    /** trace samples by count only: --fps is one line rather than ignored. */
    @Test
    void traceRefusesTheRate() {
        Cli r = Cli.run("trace", "--model", MODEL, "--video", CLIP, "--fps", "1", "--prompt", "hi", "--out", tmp.resolve("t.safetensors").toString());
        assertEquals(2, r.code());
        assertEquals("dycoke: --fps is taken by dycoke run, chat and bench; dycoke trace samples --frames N frames", r.problem());
    }

    /**
     * bench on the {@code qwen25vl-3b} shape: it makes (here: finds, cached) the random checkpoint and runs on it
     * through the stages. A tiny checkpoint stands in for the 3B one in the cache.
     */
    @Test
    void benchRunsOnTheQwenShape() throws Exception {
        Path folder = BenchAssets.dir(tmp).resolve(BenchAssets.Shape.QWEN25VL_3B.folder);
        QwenRandomCheckpoint.write(folder, new QwenRandomCheckpoint.Spec(1, 32, 48, 2, 112, List.of(0), 64, 128, 1, 4, 2, 512, 496, 4096,
                true, List.of(2, 3, 3), DType.BF16), 1);
        Files.writeString(folder.resolve(".complete"), BenchAssets.VERSION + "\n");
        Cli r = Cli.run("bench", "--shape", "qwen25vl-3b", "--cache", tmp.toString(), "--video", CLIP, "--frames", "4", "--repeat", "1",
                "--max-new-tokens", "2", "--methods", "none,random", "--out", tmp.resolve("out").toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals(folder.toString(), root.get("model").asText());
        JsonNode runs = root.get("runs");
        assertEquals(2, runs.size(), runs.toString());
        assertEquals("none", runs.get(0).get("method").asText());
        assertEquals(4, runs.get(0).get("frames").asInt());
        assertTrue(runs.get(1).get("visual_tokens_kept").asInt() < runs.get(0).get("visual_tokens_kept").asInt(), runs.toString());
        assertTrue(Files.isRegularFile(tmp.resolve("out/bench.json")));
    }

    /** bench serve on a Qwen folder: the server's text and video levels, admission and follow-up, through the stages. */
    @Test
    void benchServeRunsOnQwen() throws Exception {
        Cli r = Cli.run("bench", "serve", "--model", MODEL, "--video", CLIP, "--concurrency", "1", "--rounds", "1", "--max-tokens", "2",
                "--frames", "4", "--admit-frames", "4", "--admit-streams", "1", "--admit-tokens", "4", "--overhead-runs", "1", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals(MODEL, root.get("model").asText());
        assertEquals(2, root.get("levels").size(), root.toString());
        for (JsonNode level : root.get("levels")) assertEquals(1, level.get("requests").asInt(), level.toString());
    }

    /** bench arena samples LLaVA-OneVision's frames uniformly and runs its whole method grid: a Qwen folder is one line naming it. */
    @Test
    void benchArenaRefusesQwenInOneLine() {
        Cli r = Cli.run("bench", "arena", "--model", MODEL, "--video", CLIP, "--frames", "4", "--out", tmp.resolve("arena").toString());
        assertEquals(1, r.code());
        assertEquals("dycoke: dycoke bench arena runs LLaVA-OneVision checkpoints only so far; " + MODEL
                + " is a Qwen2.5-VL checkpoint (dycoke run --model " + MODEL + " answers with it)", r.problem());
    }

    /**
     * A Qwen2.5-VL repo by Hub id: pulled, then run by its id with --weights q8, through the same load as a folder (the
     * golden EVS tokens, as q8RunsOnQwenAndCachesItsWeights gets them), with no more requests.
     */
    @Test
    void pullThenRunAQwenRepoByIdWithQ8() throws Exception {
        String id = "test-org/tiny-qwen25-vl";
        try (FakeHub hub = CliHubTest.hub(id, QwenVlOracle.model())) {
            Cli pull = Cli.run(hub.env(tmp), "pull", id);
            assertEquals(0, pull.code(), pull.err());
            int before = hub.requests.size();
            Cli r = Cli.run(hub.env(tmp), "run", "--model", id, "--video", CLIP, "--frames", "8", "--prompt", QUESTION, "--max-new-tokens", "12",
                    "--compress", "evs", "--ratio", "0.5", "--json", "--weights", "q8");
            assertEquals(0, r.code(), r.err());
            assertEquals(before, hub.requests.size(), "run uses the pulled snapshot with no network");
            try (Safetensors e = QwenVlOracle.golden("evs.safetensors")) {
                assertArrayEquals(e.get("evs_generated_ids").toIntArray(), ids(new ObjectMapper().readTree(r.out())));
            }
        }
    }
}
