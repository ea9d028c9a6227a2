package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.testing.FakeHub;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.testing.PoolingHeads;
import dev.dycoke4j.vision.SiglipPoolingHead;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SigLIP's pooling head from this machine rather than the Hub: kept in the checkpoint's folder (as the random
 * benchmark checkpoints carry it) or named by {@code --pooling-head}, through {@code run} and {@code bench arena} on
 * the oracle with no network; bad {@code --pooling-head} values and a missing head are one line each.
 */
class FastVidLocalHeadTest {
    static final Path ORACLE = Oracle.root();
    static final Path MODEL = ORACLE.resolve("tiny-llava-ov");
    static final String CLIP = ORACLE.resolve("golden/clip.mkv").toString();

    @TempDir
    Path tmp;

    /** No Hub at all: a dead endpoint and an empty cache. */
    Map<String, String> offline() {
        Map<String, String> env = new HashMap<>();
        env.put("HF_HUB_CACHE", tmp.resolve("hf").toString());
        env.put("HF_ENDPOINT", "http://127.0.0.1:9");
        return env;
    }

    /** The head's file, of the oracle tower's shape. */
    Path headFile() throws Exception {
        Path f = tmp.resolve("head.safetensors");
        if (!Files.exists(f)) Files.write(f, PoolingHeads.file(PoolingHeads.weights(48, 96, 1), 48, tmp));
        return f;
    }

    /** A copy of the oracle checkpoint with the head in its folder. */
    Path modelWithHead() throws Exception {
        Path m = tmp.resolve("model");
        if (Files.exists(m)) return m;
        Files.createDirectories(m);
        try (var files = Files.list(MODEL)) {
            for (Path f : files.toList()) Files.copy(f, m.resolve(f.getFileName()));
        }
        Files.copy(headFile(), m.resolve(SiglipPoolingHead.BESIDE));
        return m;
    }

    static String[] run(Path model, String... extra) {
        List<String> a = new ArrayList<>(List.of("run", "--model", model.toString(), "--video", CLIP, "--prompt", "What happens in this video?",
                "--frames", "8", "--max-new-tokens", "4", "--json", "--compress", "fastvid", "--ratio", "0.5"));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    JsonNode answer(String... args) throws Exception {
        Cli r = Cli.run(offline(), args);
        assertEquals(0, r.code(), r.err());
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void runFindsTheHeadInTheModelsFolderOrWhereTheOptionSays() throws Exception {
        JsonNode beside = answer(run(modelWithHead()));
        assertEquals("fastvid", beside.get("stats").get("method").asText());
        assertEquals(64, beside.get("stats").get("visual_tokens_kept").asInt());
        JsonNode file = answer(run(MODEL, "--pooling-head", headFile().toString()));
        Path folder = Files.createDirectories(tmp.resolve("siglip"));
        Files.copy(headFile(), folder.resolve("model.safetensors"));
        JsonNode dir = answer(run(MODEL, "--pooling-head", folder.toString()));
        for (JsonNode other : new JsonNode[]{file, dir})
            assertEquals(beside.get("answer"), other.get("answer"), "the same head by every route gives the same answer");
    }

    @Test
    void theOptionTakesAnotherHubId() throws Exception {
        try (FakeHub hub = new FakeHub()) {
            hub.add("google/siglip-base-patch16-224", CliFastVidTest.COMMIT, Map.of("model.safetensors", Files.readAllBytes(headFile())));
            Map<String, String> env = offline();
            env.put("HF_ENDPOINT", hub.endpoint() + "/");
            Cli r = Cli.run(env, run(MODEL, "--pooling-head", "google/siglip-base-patch16-224"));
            assertEquals(0, r.code(), r.err());
            assertEquals(1, hub.count("GET", "/cdn/"));
        }
    }

    @Test
    void badHeadsAreOneLineEach() throws Exception {
        Path nowhere = tmp.resolve("no/such/head.safetensors");
        Cli r = Cli.run(offline(), run(MODEL, "--pooling-head", nowhere.toString()));
        assertEquals(2, r.code(), r.err());
        assertEquals("dycoke: --pooling-head " + nowhere + ": neither a file, a folder nor a Hugging Face model id (org/name)", r.problem());
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        r = Cli.run(offline(), run(MODEL, "--pooling-head", empty.toString()));
        assertEquals(2, r.code(), r.err());
        assertEquals("dycoke: --pooling-head " + empty + ": the folder holds neither " + SiglipPoolingHead.BESIDE + " nor model.safetensors", r.problem());
        // without the option and without a head in the model's folder, the Hub's, which is missing offline
        r = Cli.run(offline(), run(MODEL, "--offline"));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.problem().startsWith("dycoke: fastvid needs SigLIP's attention-pooling head, which LLaVA-OneVision checkpoints do not contain, and it is missing: "
                + "google/siglip-so400m-patch14-384: model.safetensors is not in the Hugging Face cache"), r.problem());
    }

    /**
     * The arena's default grid takes FastVID and FastVID with DP when the model's folder holds a head, and a grid run
     * before without them resumes: its cells are kept as they were, and only the new ones are measured.
     */
    @Test
    void theArenaAddsFastvidCellsWhenAHeadIsAtHandAndResumes() throws Exception {
        Path m = modelWithHead(), out = tmp.resolve("arena");
        String[] common = {"bench", "arena", "--model", m.toString(), "--video", CLIP, "--frames", "8", "--dp-l", "2", "--fastv-k", "1", "--holitom-k", "2",
                "--flashvid-layer", "2", "--ratios", "0.25", "--budgets", "tokens", "--steps", "2", "--out", out.toString(), "--json"};
        List<String> first = new ArrayList<>(List.of(common));
        first.addAll(List.of("--methods", "none,vidcom2,fastv+dp"));
        JsonNode before = answer(first.toArray(String[]::new));
        assertEquals(3, before.get("computed").asInt());
        List<String> earlier = Files.readAllLines(out.resolve("arena.jsonl"));

        JsonNode all = answer(common);
        List<String> names = new ArrayList<>();
        for (JsonNode c : all.get("cells")) names.add(c.get("method").asText());
        assertTrue(names.containsAll(List.of("fastvid", "fastvid+dp", "fastv+dp", "holitom+dp", "flashvid+dp")), names.toString());
        assertEquals(BenchArenaCommand.defaultMethods(true), names, "the default grid with the head at hand");
        assertEquals(3, all.get("reused").asInt(), "the cells measured before");
        assertEquals(names.size() - 3, all.get("computed").asInt() + notComputed(all), "every other cell measured (or found shared or unreachable) now");
        List<String> after = Files.readAllLines(out.resolve("arena.jsonl"));
        assertEquals(earlier, after.subList(0, earlier.size()), "the earlier cells are kept as they were");
        for (JsonNode c : all.get("cells")) {
            if (!c.get("method").asText().startsWith("fastvid")) continue;
            assertTrue(c.has("kl_mean") && c.get("kl_mean").asDouble() >= 0, c.toString());
            assertEquals(128, c.get("visual_tokens_pooled").asInt());
            assertEquals(32, c.get("visual_tokens_kept").asInt(), "int(16·0.25) = 4 per frame");
        }
    }

    /** Cells of the grid that ran no compression of their own: the same as a cell before, or out of the method's reach. */
    static int notComputed(JsonNode grid) {
        int n = 0;
        for (JsonNode c : grid.get("cells")) if (c.path("shared").asBoolean() || c.has("unreachable")) n++;
        return n;
    }
}
