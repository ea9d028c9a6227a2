package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.testing.FakeHub;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.testing.PoolingHeads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --compress fastvid} through the CLI on the oracle, with SigLIP's pooling head fetched by Hub id from a fake hub
 * (a random head of the tiny tower's shape under {@code google/siglip-so400m-patch14-384}); the missing head and bad
 * options are one line each.
 */
class CliFastVidTest {
    static final Path ORACLE = Oracle.root();
    static final String MODEL = ORACLE.resolve("tiny-llava-ov").toString();
    static final String CLIP = ORACLE.resolve("golden/clip.mkv").toString();
    static final String COMMIT = "0123456789abcdef0123456789abcdef89abcdef";

    @TempDir
    Path tmp;

    static String[] run(String... extra) {
        String[] base = {"run", "--model", MODEL, "--video", CLIP, "--prompt", "What happens in this video?", "--frames", "8",
                "--max-new-tokens", "4", "--json", "--compress", "fastvid"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return args;
    }

    Map<String, String> env(FakeHub hub) {
        Map<String, String> env = new HashMap<>();
        env.put("HF_HUB_CACHE", tmp.resolve("hf").toString());
        env.put("HF_ENDPOINT", hub == null ? "http://127.0.0.1:9" : hub.endpoint() + "/");
        return env;
    }

    @Test
    void fastvidRunsWithTheHeadFetchedOnceByHubId() throws Exception {
        try (FakeHub hub = new FakeHub()) {
            hub.add(PoolingHeadLoader.REPO, COMMIT,
                    Map.of("model.safetensors", PoolingHeads.file(PoolingHeads.weights(48, 96, 1), 48, tmp), "config.json", "{}".getBytes()));
            Cli r = Cli.run(env(hub), run("--ratio", "0.5"));
            assertEquals(0, r.code(), r.err());
            JsonNode st = new ObjectMapper().readTree(r.out()).get("stats");
            assertEquals("fastvid", st.get("method").asText());
            assertEquals(128, st.get("visual_tokens_pooled").asInt());
            assertEquals(64, st.get("visual_tokens_kept").asInt(), "int(16·0.5) = 8 per frame");
            assertEquals(1, hub.count("GET", "/cdn/"), "the checkpoint file is downloaded once");
            Cli again = Cli.run(env(hub), run("--ratio", "0.25", "--offline"));
            assertEquals(0, again.code(), again.err());
            assertEquals(32, new ObjectMapper().readTree(again.out()).get("stats").get("visual_tokens_kept").asInt());
            assertEquals(1, hub.count("GET", "/cdn/"), "then read from the cache, offline too");
        }
    }

    @Test
    void benchComparesFastvidWithTheOthersOnOneEncoding() throws Exception {
        try (FakeHub hub = new FakeHub()) {
            hub.add(PoolingHeadLoader.REPO, COMMIT, Map.of("model.safetensors", PoolingHeads.file(PoolingHeads.weights(48, 96, 1), 48, tmp)));
            Cli r = Cli.run(env(hub), "bench", "--model", MODEL, "--video", CLIP, "--out", tmp.resolve("bench").toString(), "--frames", "8",
                    "--repeat", "1", "--max-new-tokens", "2", "--json", "--methods", "none,vidcom2,fastvid", "--ratio", "0.25");
            assertEquals(0, r.code(), r.err());
            JsonNode runs = new ObjectMapper().readTree(r.out()).get("runs");
            assertEquals(3, runs.size());
            assertEquals("fastvid", runs.get(2).get("method").asText());
            assertEquals(1, hub.count("GET", "/cdn/"));
        }
    }

    @Test
    void aMissingHeadIsOneLine() {
        Cli r = Cli.run(env(null), run("--ratio", "0.5", "--offline"));
        assertEquals(1, r.code(), r.err());
        assertEquals("dycoke: fastvid needs SigLIP's attention-pooling head, which LLaVA-OneVision checkpoints do not contain, and it is missing: "
                + "google/siglip-so400m-patch14-384: model.safetensors is not in the Hugging Face cache " + tmp.resolve("hf")
                + ", and offline mode is on (HF_HUB_OFFLINE or --offline)", r.problem());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--dyseg-c | 0 | --dyseg-c must be at least 1, got 0",
            "--dyseg-tau | 2 | --dyseg-tau must be a cosine similarity in [-1, 1], got 2.0",
            "--stprune-d | 1 | --stprune-d must be in (0, 1), got 1.0 (the anchors' share of each frame's tokens)",
            "--dtm-p | 0 | --dtm-p must be at least 1, got 0",
            "--dtm-beta | -0.5 | --dtm-beta must be in [0, 1], got -0.5",
            "--ratio | 1.5 | --ratio must be in (0, 1], got 1.5"})
    void aBadOptionIsOneLine(String flag, String value, String message) {
        Cli r = Cli.run(env(null), run(flag, value));
        assertEquals(2, r.code(), r.err());
        assertEquals("dycoke: " + message, r.problem());
    }

    @Test
    void aRatioThatLeavesNoAnchorIsOneLine() throws Exception {
        try (FakeHub hub = new FakeHub()) {
            hub.add(PoolingHeadLoader.REPO, COMMIT, Map.of("model.safetensors", PoolingHeads.file(PoolingHeads.weights(48, 96, 1), 48, tmp)));
            Cli r = Cli.run(env(hub), run("--ratio", "0.1"));
            assertTrue(r.code() != 0, r.out());
            assertEquals("dycoke: --ratio 0.1 keeps int(16·0.1) = 1 tokens per frame, too few for an anchor: fastvid needs at least 3 of 16 per frame"
                    + " (ratio ≥ 0.1875)", r.problem());
        }
    }
}
