package dev.dycoke4j.hub;

import dev.dycoke4j.testing.FakeHub;
import dev.dycoke4j.testing.Oracle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The tiny oracle checkpoint served by a {@link FakeHub} as {@code test-org/tiny-llava-ov}, and resolvers on a temporary cache. */
final class HubFixture {
    static final String REPO = "test-org/tiny-llava-ov";
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    static final List<String> FILES = List.of("config.json", "preprocessor_config.json", "tokenizer.json", "model.safetensors");

    private HubFixture() {
    }

    static Map<String, byte[]> oracleFiles() throws IOException {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (String f : FILES) m.put(f, Files.readAllBytes(Oracle.model().resolve(f)));
        m.put("README.md", "# tiny\n".getBytes());
        return m;
    }

    static FakeHub hub() throws IOException {
        FakeHub hub = new FakeHub();
        hub.add(REPO, COMMIT, oracleFiles());
        return hub;
    }

    static Map<String, String> env(FakeHub hub, Path cache, String... more) {
        Map<String, String> env = new HashMap<>();
        env.put("HF_HUB_CACHE", cache.toString());
        env.put("HF_ENDPOINT", hub == null ? "http://127.0.0.1:9" : hub.endpoint() + "/");
        for (int i = 0; i < more.length; i += 2) env.put(more[i], more[i + 1]);
        return env;
    }

    static ModelResolver resolver(FakeHub hub, Path cache, DownloadOptions opts, String... env) {
        return new ModelResolver(HubEnv.from(env(hub, cache, env), cache.resolve("home")), opts, DownloadProgress.NONE);
    }

    static ModelResolver resolver(FakeHub hub, Path cache, String... env) {
        return resolver(hub, cache, DownloadOptions.defaults().withAttempts(1, 0), env);
    }

    static Path repoDir(Path cache) {
        return cache.resolve("models--test-org--tiny-llava-ov");
    }
}
