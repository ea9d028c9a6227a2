package dev.dycoke4j.hub;

import dev.dycoke4j.testing.FakeHub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** One file of a repo by Hub id: downloaded once into the cache, then used from it without the network; offline, only the cache. */
class HubFileTest {
    static final String REPO = "google/siglip-so400m-patch14-384";
    static final String COMMIT = "89abcdef0123456789abcdef0123456789abcdef";
    static final byte[] WEIGHTS = "not really safetensors, a blob".getBytes();

    @TempDir
    Path cache;

    HubEnv env(FakeHub hub, boolean offline) {
        return HubEnv.from(HubFixture.env(hub, cache), cache.resolve("home")).withOffline(offline);
    }

    @Test
    void theFileIsDownloadedOnceThenReadFromTheCache() throws Exception {
        try (FakeHub hub = new FakeHub()) {
            hub.add(REPO, COMMIT, Map.of("model.safetensors", WEIGHTS, "config.json", "{}".getBytes()));
            ModelRef ref = ModelRef.parse(REPO);
            assertNull(HubFile.cached(env(hub, false), ref, "model.safetensors"));
            Path f = HubFile.fetch(env(hub, false), ref, "model.safetensors", DownloadOptions.defaults(), DownloadProgress.NONE);
            assertArrayEquals(WEIGHTS, Files.readAllBytes(f));
            assertEquals(1, hub.count("GET", "/cdn/"), "downloaded once");
            assertEquals(0, hub.count("GET", "config.json") + hub.count("HEAD", "config.json"), "only the file asked for");
            int requests = hub.requests.size();
            assertEquals(f, HubFile.fetch(env(hub, false), ref, "model.safetensors", DownloadOptions.defaults(), DownloadProgress.NONE));
            assertEquals(f, HubFile.fetch(env(hub, true), ref, "model.safetensors", DownloadOptions.defaults(), DownloadProgress.NONE), "offline, from the cache");
            assertEquals(requests, hub.requests.size(), "a cached file needs no request");
        }
    }

    @Test
    void offlineAndNotCachedIsOneLine() throws Exception {
        try (FakeHub hub = new FakeHub()) {
            hub.add(REPO, COMMIT, Map.of("model.safetensors", WEIGHTS));
            HubException e = assertThrows(HubException.class, () -> HubFile.fetch(env(hub, true), ModelRef.parse(REPO), "model.safetensors",
                    DownloadOptions.defaults(), DownloadProgress.NONE));
            assertEquals(HubException.Kind.OFFLINE, e.kind());
            assertEquals(REPO + ": model.safetensors is not in the Hugging Face cache " + cache
                    + ", and offline mode is on (HF_HUB_OFFLINE or --offline)", e.getMessage());
            assertEquals(0, hub.requests.size(), "offline never asks the hub");
        }
    }

    @Test
    void aRepoWithoutTheFileIsOneLine() throws Exception {
        try (FakeHub hub = new FakeHub()) {
            hub.add(REPO, COMMIT, Map.of("config.json", "{}".getBytes()));
            HubException e = assertThrows(HubException.class, () -> HubFile.fetch(env(hub, false), ModelRef.parse(REPO), "model.safetensors",
                    DownloadOptions.defaults(), DownloadProgress.NONE));
            assertEquals(HubException.Kind.NOT_FOUND, e.kind());
            assertEquals(REPO + ": the repo has no model.safetensors at " + COMMIT, e.getMessage());
        }
    }
}
