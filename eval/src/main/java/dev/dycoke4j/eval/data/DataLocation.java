package dev.dycoke4j.eval.data;

import dev.dycoke4j.hub.HubCache;
import dev.dycoke4j.hub.HubEnv;
import dev.dycoke4j.hub.ModelRef;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where the evaluation data is: {@code hfHome}, lmms-eval's {@code HF_HOME}, whose {@code cache_dir} folders hold the
 * extracted videos (and Video-MME's subtitles), and {@code hubCache}, the Hugging Face hub cache holding the dataset
 * repos' files ({@code datasets--org--name/snapshots/commit/...}).
 */
public record DataLocation(Path hfHome, Path hubCache) {

    /** A folder laid out as lmms-eval's {@code HF_HOME}: the extracted videos in it, the dataset repos in its {@code hub/}. */
    public static DataLocation dataDir(Path dir) {
        Path d = dir.toAbsolutePath().normalize();
        return new DataLocation(d, d.resolve("hub"));
    }

    /**
     * The Hugging Face defaults from environment variables: {@code HF_HOME} (else {@code $XDG_CACHE_HOME/huggingface},
     * else {@code ~/.cache/huggingface}) and the hub cache of {@link HubEnv} ({@code HF_HUB_CACHE}, else {@code HF_HOME/hub}).
     */
    public static DataLocation from(Map<String, String> env, Path home) {
        String hfHome = env.get("HF_HOME"), xdg = env.get("XDG_CACHE_HOME");
        Path h = hfHome != null && !hfHome.isEmpty() ? expand(hfHome, home)
                : (xdg != null && !xdg.isEmpty() ? expand(xdg, home) : home.resolve(".cache")).resolve("huggingface");
        return new DataLocation(h.toAbsolutePath().normalize(), HubEnv.from(env, home).cache());
    }

    /** The real environment and home. */
    public static DataLocation system() {
        return from(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /** A dataset repo at {@code main}. */
    static ModelRef ref(String repo) {
        return ModelRef.dataset(repo, ModelRef.DEFAULT_REVISION);
    }

    /**
     * The cached snapshot of a dataset repo: the commit {@code refs/main} names, else the only snapshot there is;
     * null when the cache has none.
     */
    public Path snapshot(String repo) {
        HubCache cache = new HubCache(hubCache);
        ModelRef ref = ref(repo);
        String commit = cache.commitOf(ref);
        if (commit != null && Files.isDirectory(cache.snapshot(ref, commit))) return cache.snapshot(ref, commit);
        Path snaps = cache.repo(ref).resolve("snapshots");
        if (!Files.isDirectory(snaps)) return null;
        try (Stream<Path> s = Files.list(snaps)) {
            List<Path> all = s.filter(Files::isDirectory).toList();
            return all.size() == 1 ? all.getFirst() : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static Path expand(String p, Path home) {
        if (p.equals("~")) return home;
        if (p.startsWith("~/")) return home.resolve(p.substring(2));
        return Path.of(p);
    }
}
