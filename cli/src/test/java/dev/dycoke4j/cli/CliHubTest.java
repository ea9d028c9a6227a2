package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.testing.FakeHub;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Models by Hub id through the CLI: pull, then run from the cache; models; offline; errors; the token never shown. */
@Timeout(120)
class CliHubTest {
    static final Path ORACLE = Oracle.root();
    static final Path MODEL = ORACLE.resolve("tiny-llava-ov");
    static final String CLIP = ORACLE.resolve("golden/clip.mkv").toString();
    static final String ID = "test-org/tiny-llava-ov";
    static final String TOKEN = "hf_CliSecretToken0987654321";
    static final String COMMIT = "89abcdef0123456789abcdef0123456789abcdef";

    @TempDir
    Path tmp;

    /** A hub serving the files of {@code dir} as {@code repo} at {@link #COMMIT}. */
    static FakeHub hub(String repo, Path dir) throws java.io.IOException {
        FakeHub hub = new FakeHub();
        hub.add(repo, COMMIT, FakeHub.files(dir));
        return hub;
    }

    @Test
    void pullThenRunFromTheCache() throws Exception {
        try (FakeHub hub = hub(ID, MODEL)) {
            Cli pull = Cli.run(hub.env(tmp), "pull", ID);
            assertEquals(0, pull.code(), pull.err());
            Path snap = tmp.resolve("models--test-org--tiny-llava-ov/snapshots/" + COMMIT);
            assertEquals(snap.toString(), pull.out().strip());
            assertTrue(pull.err().lines().anyMatch(l -> l.contains("model.safetensors") && l.contains("KiB") && l.contains("MB/s")), pull.err());
            assertTrue(Files.isSymbolicLink(snap.resolve("model.safetensors")));

            int before = hub.requests.size();
            String[] args = {"--video", CLIP, "--prompt", "What happens in this video?", "--frames", "4", "--max-new-tokens", "4", "--json"};
            Cli byId = Cli.run(hub.env(tmp), concat(new String[]{"run", "--model", ID}, args));
            assertEquals(0, byId.code(), byId.err());
            assertEquals(before, hub.requests.size(), "run uses the cached model with no network");
            Cli byDir = Cli.run(hub.env(tmp), concat(new String[]{"run", "--model", MODEL.toString()}, args));
            assertEquals(0, byDir.code(), byDir.err());
            ObjectMapper m = new ObjectMapper();
            assertEquals(m.readTree(byDir.out()).get("token_ids"), m.readTree(byId.out()).get("token_ids"));

            Cli again = Cli.run(hub.env(tmp), "pull", ID);
            assertEquals(0, again.code(), again.err());
            assertTrue(again.err().lines().anyMatch(l -> l.contains("model.safetensors") && l.contains("cached")), again.err());

            Cli models = Cli.run(hub.env(tmp), "models");
            assertEquals(0, models.code(), models.err());
            String row = models.out().lines().filter(l -> l.startsWith(ID)).findFirst().orElseThrow(() -> new AssertionError(models.out()));
            assertTrue(row.matches(ID + "\\s+main\\s+" + COMMIT.substring(0, 12) + "\\s+[0-9.]+ KiB\\s+yes"), row);

            Cli tok = Cli.run(hub.env(tmp, "HF_HUB_OFFLINE", "1"), "tokenize", "--model", ID, "--text", "hello");
            Cli tokDir = Cli.run(hub.env(tmp), "tokenize", "--model", MODEL.toString(), "--text", "hello");
            assertEquals(0, tok.code(), tok.err());
            assertEquals(tokDir.out(), tok.out());
        }
    }

    @Test
    void offlineWithAnUncachedModelIsOneLineAndNoRequest() throws Exception {
        try (FakeHub hub = hub(ID, MODEL)) {
            Cli r = Cli.run(hub.env(tmp), "run", "--model", ID, "--video", CLIP, "--prompt", "hi", "--offline");
            assertEquals(1, r.code());
            assertTrue(r.problem().startsWith("dycoke: " + ID + ": not in the Hugging Face cache " + tmp), r.problem());
            Cli p = Cli.run(hub.env(tmp, "HF_HUB_OFFLINE", "1"), "pull", ID);
            assertEquals(1, p.code());
            assertTrue(p.problem().contains("offline mode is on"), p.problem());
            assertEquals(0, hub.requests.size());
        }
    }

    @Test
    void gatedRepoSaysToSetHfTokenAndNeverPrintsIt() throws Exception {
        try (FakeHub hub = hub(ID, MODEL)) {
            hub.requiredToken = "hf_another";
            Cli noToken = Cli.run(hub.env(tmp), "pull", ID);
            assertEquals(1, noToken.code());
            assertEquals("dycoke: " + ID + ": gated repo, access refused (HTTP 401); set HF_TOKEN to a token with access", noToken.problem());

            Cli wrong = Cli.run(hub.env(tmp, "HF_TOKEN", TOKEN), "pull", ID, "--verbose");
            assertEquals(1, wrong.code());
            assertTrue(wrong.err().contains("HTTP 403"), wrong.err());
            assertFalse((wrong.out() + wrong.err()).contains(TOKEN), wrong.err());

            hub.requiredToken = TOKEN;
            Cli ok = Cli.run(hub.env(tmp, "HF_TOKEN", TOKEN), "pull", ID, "--verbose");
            assertEquals(0, ok.code(), ok.err());
            assertFalse((ok.out() + ok.err()).contains(TOKEN), ok.err());
        }
    }

    @Test
    void badIdsAndMissingReposAreOneLine() throws Exception {
        try (FakeHub hub = hub(ID, MODEL)) {
            Cli bad = Cli.run(hub.env(tmp), "pull", "not-an-id");
            assertEquals(2, bad.code());
            assertEquals("dycoke: not-an-id: not a Hugging Face model id (org/name[@revision])", bad.problem());
            Cli twice = Cli.run(hub.env(tmp), "pull", ID + "@v1", "--revision", "v2");
            assertEquals(2, twice.code());
            Cli missing = Cli.run(hub.env(tmp), "run", "--model", "test-org/none", "--video", CLIP, "--prompt", "hi");
            assertEquals(1, missing.code());
            assertEquals("dycoke: test-org/none: repository not found on " + hub.endpoint() + " (HTTP 404); check the name, or if it is private, set HF_TOKEN", missing.problem());
        }
    }

    @Test
    void aRepoOfAnUnsupportedArchitectureIsRefused() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("llama"));
        Files.writeString(dir.resolve("config.json"), "{\"model_type\":\"llama\",\"architectures\":[\"LlamaForCausalLM\"]}");
        Files.copy(MODEL.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        try (FakeHub hub = hub("test-org/llama", dir)) {
            Cli r = Cli.run(hub.env(tmp.resolve("cache")), "pull", "test-org/llama");
            assertEquals(1, r.code());
            assertEquals("dycoke: test-org/llama: config.json: unsupported architecture 'LlamaForCausalLM'; "
                    + "dycoke runs LlavaOnevisionForConditionalGeneration and Qwen2_5_VLForConditionalGeneration", r.problem());
        }
    }

    @Test
    void modelsOnAnEmptyCache() {
        Cli r = Cli.run(java.util.Map.of("HF_HUB_CACHE", tmp.toString()), "models");
        assertEquals(0, r.code());
        assertEquals("", r.out());
        assertTrue(r.err().contains("no LLaVA-OneVision or Qwen2.5-VL model in the cache"), r.err());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
