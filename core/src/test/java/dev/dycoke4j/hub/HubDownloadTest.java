package dev.dycoke4j.hub;

import dev.dycoke4j.testing.FakeHub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static dev.dycoke4j.hub.HubFixture.COMMIT;
import static dev.dycoke4j.hub.HubFixture.REPO;
import static dev.dycoke4j.hub.HubFixture.repoDir;
import static dev.dycoke4j.hub.HubFixture.resolver;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Downloads from a fake hub on loopback: the cache layout, resume, checksums, a full disk and concurrent pulls. */
@Timeout(60)
class HubDownloadTest {
    @TempDir
    Path tmp;

    @Test
    void pullLaysOutTheCacheAsHuggingfaceHubDoes() throws Exception {
        try (FakeHub hub = HubFixture.hub()) {
            Map<String, byte[]> files = HubFixture.oracleFiles();
            Path snap = resolver(hub, tmp).resolve(REPO, ModelFiles.Need.MODEL);
            Path repo = repoDir(tmp);
            assertEquals(repo.resolve("snapshots").resolve(COMMIT), snap);
            assertEquals(COMMIT, Files.readString(repo.resolve("refs/main")), "refs/main holds the commit, no newline");
            for (String f : HubFixture.FILES) {
                byte[] data = files.get(f);
                String etag = FakeHub.lfs(f) ? FakeHub.sha256(data) : FakeHub.gitSha1(data);
                Path link = snap.resolve(f);
                assertTrue(Files.isSymbolicLink(link), f);
                assertEquals(Path.of("../../blobs/" + etag), Files.readSymbolicLink(link), f);
                assertArrayEquals(data, Files.readAllBytes(repo.resolve("blobs").resolve(etag)), f);
                assertTrue(Files.exists(tmp.resolve(".locks/models--test-org--tiny-llava-ov/" + etag + ".lock")), f);
            }
            assertFalse(Files.exists(snap.resolve("README.md")), "only the files the engine needs");
            assertEquals(0, hub.count("GET", "README.md") + hub.count("HEAD", "README.md"));
            assertTrue(Files.isRegularFile(repo.resolve(".no_exist").resolve(COMMIT).resolve("generation_config.json")));
            assertTrue(Files.readString(tmp.resolve("CACHEDIR.TAG")).startsWith("Signature: 8a477f597d28d172789f06886806bc55"));
            try (Stream<Path> s = Files.walk(repo)) {
                assertEquals(List.of(), s.filter(p -> p.toString().endsWith(".incomplete") || p.toString().endsWith(".tmp")).toList());
            }
            dev.dycoke4j.io.LlavaConfig.load(snap.resolve("config.json"));

            int before = hub.requests.size();
            assertEquals(snap, resolver(hub, tmp).resolve(REPO, ModelFiles.Need.MODEL));
            assertEquals(before, hub.requests.size(), "a complete cached model is used with no network");

            List<CachedModel> listed = CachedModel.list(new HubCache(tmp));
            assertEquals(1, listed.size());
            CachedModel m = listed.getFirst();
            assertEquals(REPO, m.repo());
            assertEquals(List.of("main"), m.revisions());
            assertEquals(COMMIT, m.commit());
            assertTrue(m.complete());
            long expected = HubFixture.FILES.stream().mapToLong(f -> files.get(f).length).sum();
            assertEquals(expected, m.bytes());
        }
    }

    @Test
    void interruptedDownloadIsResumedWithRange() throws Exception {
        try (FakeHub hub = HubFixture.hub()) {
            byte[] weights = HubFixture.oracleFiles().get("model.safetensors");
            String sha = FakeHub.sha256(weights);
            hub.dropAfter.put(sha, 300_000L);
            HubException e = assertThrows(HubException.class, () -> resolver(hub, tmp).resolve(REPO, ModelFiles.Need.MODEL));
            assertEquals(HubException.Kind.NETWORK, e.kind());
            Path part = repoDir(tmp).resolve("blobs/" + sha + ".incomplete");
            long kept = Files.size(part);
            assertTrue(kept > 0 && kept <= 300_000, "kept " + kept);
            assertTrue(e.getMessage().startsWith(REPO + ": model.safetensors: network failure"), e.getMessage());
            assertTrue(e.getMessage().contains("kept in " + part), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
            assertFalse(Files.exists(repoDir(tmp).resolve("snapshots").resolve(COMMIT).resolve("model.safetensors")), "a partial file is never linked");
            assertTrue(resolver(hub, tmp).cached(ModelRef.parse(REPO), ModelFiles.Need.MODEL).isEmpty());

            Path snap = resolver(hub, tmp).resolve(REPO, ModelFiles.Need.MODEL);
            List<FakeHub.Request> cdn = hub.requests.stream().filter(r -> r.method().equals("GET") && r.path().startsWith("/cdn/")).toList();
            assertEquals(2, cdn.size());
            assertEquals(null, cdn.get(0).range());
            assertEquals("bytes=" + kept + "-", cdn.get(1).range(), "the second GET resumes where the first stopped");
            assertArrayEquals(weights, Files.readAllBytes(snap.resolve("model.safetensors")));
            assertFalse(Files.exists(part));
        }
    }

    @Test
    void aRetryWithinOnePullResumes() throws Exception {
        try (FakeHub hub = HubFixture.hub()) {
            byte[] weights = HubFixture.oracleFiles().get("model.safetensors");
            hub.dropAfter.put(FakeHub.sha256(weights), 123_456L);
            Path snap = resolver(hub, tmp, DownloadOptions.defaults().withAttempts(2, 0)).resolve(REPO, ModelFiles.Need.MODEL);
            assertArrayEquals(weights, Files.readAllBytes(snap.resolve("model.safetensors")));
            assertTrue(hub.requests.stream().anyMatch(r -> r.path().startsWith("/cdn/") && r.range() != null));
        }
    }

    @Test
    void checksumMismatchDeletesTheDownload() throws Exception {
        try (FakeHub hub = HubFixture.hub()) {
            hub.corrupt.add("model.safetensors");
            String sha = FakeHub.sha256(HubFixture.oracleFiles().get("model.safetensors"));
            HubException e = assertThrows(HubException.class, () -> resolver(hub, tmp).resolve(REPO, ModelFiles.Need.MODEL));
            assertEquals(HubException.Kind.CHECKSUM, e.kind());
            assertTrue(e.getMessage().startsWith(REPO + ": model.safetensors: checksum mismatch"), e.getMessage());
            assertTrue(e.getMessage().contains("deleted"), e.getMessage());
            assertFalse(Files.exists(repoDir(tmp).resolve("blobs/" + sha)));
            assertFalse(Files.exists(repoDir(tmp).resolve("blobs/" + sha + ".incomplete")));
            assertFalse(Files.exists(repoDir(tmp).resolve("snapshots").resolve(COMMIT).resolve("model.safetensors")));
        }
    }

    @Test
    void aFullDiskIsOneClearLineAndKeepsWhatWasWritten() throws Exception {
        try (FakeHub hub = HubFixture.hub()) {
            BlobWriter full = (file, append) -> new OutputStream() {
                final OutputStream out = BlobWriter.DISK.open(file, append);
                long written;

                @Override
                public void write(int b) throws IOException {
                    write(new byte[]{(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (written + len > 100_000)
                        throw new IOException("No space left on device");
                    out.write(b, off, len);
                    written += len;
                }

                @Override
                public void close() throws IOException {
                    out.close();
                }
            };
            HubException e = assertThrows(HubException.class,
                    () -> resolver(hub, tmp, DownloadOptions.defaults().withAttempts(1, 0).withWriter(full)).resolve(REPO, ModelFiles.Need.MODEL));
            assertEquals(HubException.Kind.DISK_FULL, e.kind());
            assertTrue(e.getMessage().startsWith(REPO + ": model.safetensors: the disk is full writing "), e.getMessage());
            assertTrue(e.getMessage().contains("pull again to resume"), e.getMessage());
            assertFalse(Files.exists(repoDir(tmp).resolve("snapshots").resolve(COMMIT).resolve("model.safetensors")));
        }
    }

    @Test
    void concurrentPullsOfOneModelShareTheCacheSafely() throws Exception {
        try (FakeHub hub = HubFixture.hub()) {
            byte[] weights = HubFixture.oracleFiles().get("model.safetensors");
            CyclicBarrier start = new CyclicBarrier(2);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<Path>> runs = Stream.<java.util.concurrent.Callable<Path>>generate(() -> () -> {
                    start.await();
                    return resolver(hub, tmp).pull(ModelRef.parse(REPO), ModelFiles.Need.MODEL);
                }).limit(2).map(pool::submit).toList();
                Path a = runs.get(0).get(), b = runs.get(1).get();
                assertEquals(a, b);
                assertArrayEquals(weights, Files.readAllBytes(a.resolve("model.safetensors")));
                assertEquals(1, hub.count("GET", "/cdn/"), "the blob is downloaded once, under its lock");
                assertEquals(COMMIT, Files.readString(repoDir(tmp).resolve("refs/main"), StandardCharsets.UTF_8));
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
