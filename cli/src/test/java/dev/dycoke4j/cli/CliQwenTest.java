package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.testing.QwenVlOracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code dycoke run} on the tiny Qwen2.5-VL checkpoint: the family comes from its config.json, and the golden clip's 8
 * frames give exactly the oracle's greedy answer; what Qwen cannot run yet is refused in one line.
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
        Cli r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--frames", "8", "--prompt", "hi", "--compress", "dycoke");
        assertEquals(2, r.code());
        assertEquals("dycoke: --compress dycoke is not supported on Qwen2.5-VL yet (only none and evs)", r.problem());
        Cli evs = Cli.run("run", "--model", MODEL, "--video", CLIP, "--frames", "8", "--prompt", "hi", "--compress", "evs");
        assertEquals(2, evs.code());
        assertEquals("dycoke: --compress evs needs --ratio on Qwen2.5-VL", evs.problem());
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
