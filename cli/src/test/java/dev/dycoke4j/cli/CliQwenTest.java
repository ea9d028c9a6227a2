package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.compress.Ttm;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.pipeline.Answer;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.EncodedVideo;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VisionOptions;
import dev.dycoke4j.tensor.Tensor;
import dev.dycoke4j.vision.RgbFrame;
import dev.dycoke4j.testing.QwenVlOracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code dycoke run} on the tiny Qwen2.5-VL checkpoint: the family comes from its config.json, and the golden clip's 8
 * frames give exactly the oracle's greedy answer; the pre-LLM methods run on it; what Qwen cannot run is refused in one line.
 */
class CliQwenTest {
    static final String MODEL = QwenVlOracle.model().toString();
    static final String CLIP = QwenVlOracle.root().resolve("golden/clip.mkv").toString();

    @TempDir
    Path tmp;

    @Test
    void runOnTheGoldenClipGivesTheGoldenTokens() throws Exception {
        int[] golden;
        try (Safetensors g = QwenVlOracle.golden("forward.safetensors")) {
            golden = g.get("generated_ids").toIntArray();
        }
        Cli r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--frames", "8", "--prompt", "What happens in this video?",
                "--max-new-tokens", "12", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        int[] ids = new int[root.get("token_ids").size()];
        for (int i = 0; i < ids.length; i++) ids[i] = root.get("token_ids").get(i).asInt();
        assertArrayEquals(golden, ids);
        assertTrue(root.get("answer").isTextual());
        assertEquals(8, root.get("stats").get("frames").asInt());
        assertEquals(192, root.get("stats").get("visual_tokens_kept").asInt(), root.get("stats").toString());
    }

    @Test
    void textOutputStreamsTheSameAnswer() throws Exception {
        Cli json = Cli.run("run", "--model", MODEL, "--video", CLIP, "--frames", "8", "--prompt", "What happens in this video?",
                "--max-new-tokens", "12", "--json");
        Cli text = Cli.run("run", "--model", MODEL, "--video", CLIP, "--frames", "8", "--prompt", "What happens in this video?",
                "--max-new-tokens", "12");
        assertEquals(0, text.code(), text.err());
        assertEquals(new ObjectMapper().readTree(json.out()).get("answer").asText() + System.lineSeparator(), text.out());
    }

    @Test
    void aCompressionMethodIsRefusedOnQwen() {
        Cli vz = Cli.run("run", "--model", MODEL, "--video", CLIP, "--frames", "8", "--prompt", "hi", "--compress", "visionzip");
        assertEquals(2, vz.code());
        assertEquals("dycoke: --compress visionzip ranks tokens by the vision tower's attention, which Qwen2.5-VL's tower does not give "
                + "(supported: none, evs --ratio R, random, uniform, frames, vidcom2, dycoke, fastv, and --dp on with any but fastv)", vz.problem());
        Cli evs = Cli.run("run", "--model", MODEL, "--video", CLIP, "--frames", "8", "--prompt", "hi", "--compress", "evs");
        assertEquals(2, evs.code());
        assertEquals("dycoke: --compress evs needs --ratio on Qwen2.5-VL", evs.problem());
    }

    /** VidCom2 through run gives what the engine's stages give on the same 8 frames: its tokens and kept count. */
    @Test
    void vidcom2RunsOnQwen() throws Exception {
        List<RgbFrame> frames = new ArrayList<>();
        try (Safetensors g = QwenVlOracle.golden("forward.safetensors")) {
            Tensor t = g.get("video_frames_u8");
            int n = t.dim(0), h = t.dim(1), w = t.dim(2), size = h * w * 3;
            byte[] all = t.toByteArray();
            for (int f = 0; f < n; f++) frames.add(new RgbFrame(w, h, Arrays.copyOfRange(all, f * size, (f + 1) * size)));
        }
        Answer want;
        try (VideoQa m = VideoQa.load(QwenVlOracle.model())) {
            EncodedVideo v = m.visionStage().encodeUncached(frames, 1.0, 0, VisionOptions.of(frames.size()), null);
            want = m.answerStage().start(m.compressStage().apply(v, CompressionMethods.parse("vidcom2", Map.of("ratio", "0.25"))),
                    "What happens in this video?", GenerationOptions.greedy(8)).complete();
        }
        Cli r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--frames", "8", "--prompt", "What happens in this video?",
                "--max-new-tokens", "8", "--compress", "vidcom2", "--ratio", "0.25", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        int[] ids = new int[root.get("token_ids").size()];
        for (int i = 0; i < ids.length; i++) ids[i] = root.get("token_ids").get(i).asInt();
        assertArrayEquals(want.tokenIds(), ids);
        JsonNode stats = root.get("stats");
        assertEquals("vidcom2", stats.get("method").asText());
        assertEquals(192, stats.get("visual_tokens_pooled").asInt());
        assertEquals(want.stats().visualKept(), stats.get("visual_tokens_kept").asInt());
        assertTrue(want.stats().visualKept() < 192 && want.stats().visualKept() >= 4, stats.toString());
    }

    /** DyCoke through run: TTM over windows of 4 temporal steps keeps its count of the 192 tokens, DP attends to fewer. */
    @Test
    void dycokeRunsOnQwenWithItsDp() throws Exception {
        Cli r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--frames", "8", "--prompt", "What happens in this video?",
                "--max-new-tokens", "8", "--compress", "dycoke", "--dp-l", "1", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode stats = new ObjectMapper().readTree(r.out()).get("stats");
        assertEquals("dycoke", stats.get("method").asText());
        int kept = new Ttm(0.7, Ttm.Windows.OFFICIAL, Ttm.Order.OFFICIAL).keptCount(4, 48);
        assertEquals(kept, stats.get("visual_tokens_kept").asInt());
        assertTrue(stats.get("visual_tokens_attended_mean").asDouble() < kept, stats.toString());
        assertTrue(stats.get("generated_tokens").asInt() > 0);
    }

    @Test
    void evsAtHalfGivesTheGoldenEvsTokens() throws Exception {
        int[] golden;
        try (Safetensors e = QwenVlOracle.golden("evs.safetensors")) {
            golden = e.get("evs_generated_ids").toIntArray();
        }
        Cli r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--frames", "8", "--prompt", "What happens in this video?",
                "--max-new-tokens", "12", "--compress", "evs", "--ratio", "0.5", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        int[] ids = new int[root.get("token_ids").size()];
        for (int i = 0; i < ids.length; i++) ids[i] = root.get("token_ids").get(i).asInt();
        assertArrayEquals(golden, ids);
        assertEquals(96, root.get("stats").get("visual_tokens_kept").asInt());
    }

    static int[] ids(JsonNode answer) {
        int[] ids = new int[answer.get("token_ids").size()];
        for (int i = 0; i < ids.length; i++) ids[i] = answer.get("token_ids").get(i).asInt();
        return ids;
    }

    /**
     * Two questions in one run: the second reuses the video's features and its prompt prefix (the stats say so) and
     * gets the tokens it gets asked alone.
     */
    @Test
    void aSecondQuestionReusesTheVideoAndItsPrefix() throws Exception {
        String a = "What happens in this video?", b = "Describe the ball.";
        Cli both = Cli.run("run", "--model", MODEL, "--video", CLIP, "--frames", "8", "--prompt", a, "--prompt", b, "--max-new-tokens", "6", "--json");
        assertEquals(0, both.code(), both.err());
        Cli alone = Cli.run("run", "--model", MODEL, "--video", CLIP, "--frames", "8", "--prompt", b, "--max-new-tokens", "6", "--json");
        assertEquals(0, alone.code(), alone.err());
        JsonNode answers = new ObjectMapper().readTree(both.out()).get("answers");
        JsonNode second = answers.get(1);
        assertTrue(second.get("stats").get("vision_cached").asBoolean(), second.toString());
        assertTrue(second.get("stats").get("prefix_cached_tokens").asInt() > 192, second.toString());
        assertArrayEquals(ids(new ObjectMapper().readTree(alone.out())), ids(second));
    }

    /** {@code dycoke chat} on Qwen answers each line as {@code run} answers it. */
    @Test
    void chatAnswersEachLineAsRunDoes() throws Exception {
        String a = "What happens in this video?", b = "Describe the ball.";
        String wantA = new ObjectMapper().readTree(Cli.run("run", "--model", MODEL, "--video", CLIP, "--frames", "8", "--prompt", a,
                "--max-new-tokens", "6", "--json").out()).get("answer").asText();
        String wantB = new ObjectMapper().readTree(Cli.run("run", "--model", MODEL, "--video", CLIP, "--frames", "8", "--prompt", b,
                "--max-new-tokens", "6", "--json").out()).get("answer").asText();
        java.io.StringWriter out = new java.io.StringWriter(), err = new java.io.StringWriter();
        int code = Main.execute(new String[]{"chat", "--model", MODEL, "--video", CLIP, "--frames", "8", "--max-new-tokens", "6"},
                new java.io.ByteArrayInputStream((a + "\n" + b + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true));
        assertEquals(0, code, err.toString());
        assertEquals(wantA + "\n" + wantB + "\n", out.toString());
        assertTrue(err.toString().contains("dycoke chat: 8 frames, 192 visual tokens"), err.toString());
        assertTrue(err.toString().contains("| vision cached | prefix "), err.toString());
    }

    /** {@code dycoke bench} on a Qwen folder: none and DyCoke through the stages, the video encoded once per frame count and repeat. */
    @Test
    void benchRunsNoneAndDycokeThroughTheStages() throws Exception {
        Cli r = Cli.run("bench", "--model", MODEL, "--video", CLIP, "--out", tmp.resolve("out").toString(), "--frames", "4", "--repeat", "1",
                "--max-new-tokens", "2", "--methods", "none,dycoke", "--dp-l", "1", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode runs = new ObjectMapper().readTree(r.out()).get("runs");
        assertEquals(2, runs.size(), runs.toString());
        JsonNode none = runs.get(0), dycoke = runs.get(1);
        assertEquals("none", none.get("method").asText());
        assertEquals(4, none.get("frames").asInt());
        assertEquals(96, none.get("visual_tokens").asInt(), "2 temporal steps of 6 x 8 merged tokens");
        assertEquals(new Ttm(0.7, Ttm.Windows.OFFICIAL, Ttm.Order.OFFICIAL).keptCount(2, 48), dycoke.get("visual_tokens_kept").asInt());
        assertEquals(none.get("seconds").get("vision").asDouble(), dycoke.get("seconds").get("vision").asDouble(),
                "the video is encoded once for both methods");
        for (JsonNode run : runs) assertTrue(run.get("seconds").get("followup_ttft").asDouble() > 0, run.toString());
        Cli refused = Cli.run("bench", "--model", MODEL, "--video", CLIP, "--out", tmp.resolve("out2").toString(), "--frames", "4", "--methods", "visionzip");
        assertEquals(2, refused.code());
        assertTrue(refused.problem().startsWith("dycoke: --compress visionzip ranks tokens by the vision tower's attention"), refused.problem());
    }

    @Test
    void anOddFrameCountIsRefusedOnQwen() {
        Cli r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--frames", "7", "--prompt", "hi");
        assertEquals(2, r.code());
        assertEquals("dycoke: --frames must be a multiple of 2 on Qwen2.5-VL (it takes frames in groups of 2), got 7", r.problem());
    }

    @Test
    void anUnknownArchitectureNamesTheSupportedOnes() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("qwen3"));
        Files.writeString(dir.resolve("config.json"), "{\"model_type\":\"qwen3_vl\",\"architectures\":[\"Qwen3VLForConditionalGeneration\"]}");
        Cli r = Cli.run("run", "--model", dir.toString(), "--video", CLIP, "--prompt", "hi");
        assertEquals(1, r.code());
        assertEquals("dycoke: " + dir.resolve("config.json") + ": unsupported architecture 'Qwen3VLForConditionalGeneration'; dycoke runs "
                + "LlavaOnevisionForConditionalGeneration and Qwen2_5_VLForConditionalGeneration", r.problem());
    }
}
