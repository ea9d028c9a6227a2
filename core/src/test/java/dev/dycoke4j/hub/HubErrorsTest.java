package dev.dycoke4j.hub;

import dev.dycoke4j.io.ModelFormatException;
import dev.dycoke4j.testing.FakeHub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.dycoke4j.hub.HubFixture.COMMIT;
import static dev.dycoke4j.hub.HubFixture.REPO;
import static dev.dycoke4j.hub.HubFixture.repoDir;
import static dev.dycoke4j.hub.HubFixture.resolver;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each failure is one line naming the model (and file); offline mode and cache hits never open a socket; the token never shows. */
@Timeout(60)
class HubErrorsTest {
    static final String TOKEN = "hf_SeCrEtToKeN1234567890";

    @TempDir
    Path tmp;

    private static void oneLine(RuntimeException e) {
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertFalse(e.getMessage().contains(TOKEN), e.getMessage());
    }

    @Test
    void gatedRepoWithoutTokenIs401AndSaysToSetHfToken() throws Exception {
        try (FakeHub hub = HubFixture.hub()) {
            hub.requiredToken = TOKEN;
            HubException e = assertThrows(HubException.class, () -> resolver(hub, tmp).resolve(REPO, ModelFiles.Need.MODEL));
            assertEquals(HubException.Kind.ACCESS, e.kind());
            assertEquals(REPO + ": gated repo, access refused (HTTP 401); set HF_TOKEN to a token with access", e.getMessage());
            assertEquals(null, hub.requests.getFirst().authorization());
        }
    }

    @Test
    void wrongTokenIs403AndIsNeverShown() throws Exception {
        try (FakeHub hub = HubFixture.hub()) {
            hub.requiredToken = "hf_the_right_one";
            HubException e = assertThrows(HubException.class, () -> resolver(hub, tmp, "HF_TOKEN", TOKEN).resolve(REPO, ModelFiles.Need.MODEL));
            assertEquals(HubException.Kind.ACCESS, e.kind());
            assertTrue(e.getMessage().startsWith(REPO + ": gated repo, access refused (HTTP 403); the token in HF_TOKEN has no access"), e.getMessage());
            oneLine(e);
            assertEquals("Bearer " + TOKEN, hub.requests.getFirst().authorization(), "the token is sent as a bearer token");
            assertFalse(HubEnv.from(HubFixture.env(hub, tmp, "HF_TOKEN", TOKEN), tmp).toString().contains(TOKEN));
        }
    }

    @Test
    void theRightTokenDownloads() throws Exception {
        try (FakeHub hub = HubFixture.hub()) {
            hub.requiredToken = TOKEN;
            Path snap = resolver(hub, tmp, "HF_TOKEN", TOKEN).resolve(REPO, ModelFiles.Need.MODEL);
            assertTrue(Files.isRegularFile(snap.resolve("model.safetensors")));
        }
    }

    @Test
    void unknownRepoIs404() throws Exception {
        try (FakeHub hub = HubFixture.hub()) {
            HubException e = assertThrows(HubException.class, () -> resolver(hub, tmp).resolve("test-org/nope", ModelFiles.Need.MODEL));
            assertEquals(HubException.Kind.NOT_FOUND, e.kind());
            assertEquals("test-org/nope: repository not found on " + hub.endpoint() + " (HTTP 404); check the name, or if it is private, set HF_TOKEN", e.getMessage());
        }
    }

    @Test
    void unknownRevisionIs404() throws Exception {
        try (FakeHub hub = HubFixture.hub()) {
            HubException e = assertThrows(HubException.class, () -> resolver(hub, tmp).resolve(REPO + "@v9", ModelFiles.Need.MODEL));
            assertEquals(HubException.Kind.NOT_FOUND, e.kind());
            assertEquals(REPO + ": revision 'v9' not found on " + hub.endpoint() + " (HTTP 404)", e.getMessage());
        }
    }

    @Test
    void unknownFileIs404() throws Exception {
        try (FakeHub hub = HubFixture.hub()) {
            HubClient client = new HubClient(HubEnv.from(HubFixture.env(hub, tmp), tmp));
            HubException e = assertThrows(HubException.class, () -> client.head(ModelRef.parse(REPO), COMMIT, "nothing.json"));
            assertEquals(HubException.Kind.NOT_FOUND, e.kind());
            assertEquals(REPO + ": nothing.json: file not found at revision 'main' (HTTP 404)", e.getMessage());
        }
    }

    @Test
    void unreachableHubIsANetworkError() {
        HubException e = assertThrows(HubException.class, () -> resolver(null, tmp).resolve(REPO, ModelFiles.Need.MODEL));
        assertEquals(HubException.Kind.NETWORK, e.kind());
        assertTrue(e.getMessage().startsWith(REPO + ": cannot reach http://127.0.0.1:9 ("), e.getMessage());
        oneLine(e);
    }

    @Test
    void anUnsupportedModelIsRefusedBeforeAnyWeights() throws Exception {
        try (FakeHub hub = new FakeHub()) {
            hub.add("test-org/llama", COMMIT, Map.of("config.json", "{\"model_type\":\"llama\"}".getBytes(StandardCharsets.UTF_8),
                    "tokenizer.json", "{}".getBytes(StandardCharsets.UTF_8), "model.safetensors", new byte[64]));
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> resolver(hub, tmp).resolve("test-org/llama", ModelFiles.Need.MODEL));
            assertEquals("test-org/llama: config.json: unsupported architecture 'llama'; "
                    + "dycoke runs LlavaOnevisionForConditionalGeneration and Qwen2_5_VLForConditionalGeneration", e.getMessage());
            assertEquals(0, hub.count("GET", "model.safetensors") + hub.count("HEAD", "model.safetensors"));
        }
    }

    @Test
    void offlineUsesTheCacheAndNeverTouchesTheNetwork() throws Exception {
        try (FakeHub hub = HubFixture.hub()) {
            HubException e = assertThrows(HubException.class, () -> resolver(hub, tmp, "HF_HUB_OFFLINE", "1").resolve(REPO, ModelFiles.Need.MODEL));
            assertEquals(HubException.Kind.OFFLINE, e.kind());
            assertTrue(e.getMessage().startsWith(REPO + ": not in the Hugging Face cache " + tmp), e.getMessage());
            assertEquals(0, hub.requests.size());

            Path snap = resolver(hub, tmp).resolve(REPO, ModelFiles.Need.MODEL);
            int n = hub.requests.size();
            assertEquals(snap, resolver(hub, tmp, "HF_HUB_OFFLINE", "1").pull(ModelRef.parse(REPO), ModelFiles.Need.MODEL));
            assertEquals(snap, new ModelResolver(HubEnv.from(HubFixture.env(hub, tmp), tmp).withOffline(true)).resolve(REPO, ModelFiles.Need.MODEL));
            assertEquals(n, hub.requests.size(), "offline: no request at all");

            Files.delete(snap.resolve("model.safetensors"));
            e = assertThrows(HubException.class, () -> resolver(hub, tmp, "HF_HUB_OFFLINE", "true").resolve(REPO, ModelFiles.Need.MODEL));
            assertEquals(REPO + ": incomplete in the Hugging Face cache (snapshot " + COMMIT + " lacks model.safetensors), and offline mode is on "
                    + "(HF_HUB_OFFLINE or --offline); pull it with network first", e.getMessage());
            assertEquals(n, hub.requests.size());
        }
    }

    @Test
    void aPrebuiltCacheIsUsedInPlaceWithNoNetwork() throws Exception {
        // the layout huggingface_hub writes, built by hand: refs/main, blobs/<etag>, relative symlinks
        Path repo = repoDir(tmp);
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), COMMIT);
        Path snap = Files.createDirectories(repo.resolve("snapshots").resolve(COMMIT));
        Files.createDirectories(repo.resolve("blobs"));
        for (var f : HubFixture.oracleFiles().entrySet()) {
            String etag = FakeHub.lfs(f.getKey()) ? FakeHub.sha256(f.getValue()) : FakeHub.gitSha1(f.getValue());
            Files.write(repo.resolve("blobs").resolve(etag), f.getValue());
            Files.createSymbolicLink(snap.resolve(f.getKey()), Path.of("../../blobs").resolve(etag));
        }
        try (FakeHub hub = HubFixture.hub()) {
            assertEquals(snap, resolver(hub, tmp).resolve(REPO, ModelFiles.Need.MODEL));
            assertEquals(snap, resolver(hub, tmp).resolve(REPO + "@" + COMMIT, ModelFiles.Need.MODEL));
            assertEquals(0, hub.requests.size());
        }
    }

    @Test
    void aLocalDirectoryIsUsedAsItIs() {
        Path dir = dev.dycoke4j.testing.Oracle.model();
        assertEquals(dir, new ModelResolver(HubEnv.from(Map.of("HF_HUB_OFFLINE", "1"), tmp)).resolve(dir.toString(), ModelFiles.Need.MODEL));
        Path none = tmp.resolve("no/such/dir");
        assertEquals(none, new ModelResolver(HubEnv.from(Map.of("HF_HUB_OFFLINE", "1"), tmp)).resolve(none.toString(), ModelFiles.Need.MODEL),
                "a path that is not a hub id goes to the loader, which reports it as before");
    }
}
