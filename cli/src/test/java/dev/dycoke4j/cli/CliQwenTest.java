package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.compress.Ttm;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.pipeline.Answer;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.LoadOptions;
import dev.dycoke4j.pipeline.Qwen25Vl;
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
                + "(supported: none, evs --ratio R, random, uniform, frames, vidcom2, dycoke, fastv, and --dp on with any of them)", vz.problem());
        Cli evs = Cli.run("run", "--model", MODEL, "--video", CLIP, "--frames", "8", "--prompt", "hi", "--compress", "evs");
        assertEquals(2, evs.code());
        assertEquals("dycoke: --compress evs needs --ratio on Qwen2.5-VL", evs.problem());
    }

    /** VidCom2 through run gives what the engine's Qwen facade gives on the same 8 frames: its tokens and kept count. */
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
        try (Qwen25Vl m = Qwen25Vl.load(QwenVlOracle.model(), LoadOptions.asStored())) {
            want = m.answer(frames, 1.0, 0, "What happens in this video?", GenerationOptions.greedy(8),
                    CompressionMethods.parse("vidcom2", Map.of("ratio", "0.25")), null);
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
