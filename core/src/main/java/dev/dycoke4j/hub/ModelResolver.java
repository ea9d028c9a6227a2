package dev.dycoke4j.hub;

import dev.dycoke4j.io.ModelFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The one way a {@code --model} becomes a folder: a local directory as it is; else a Hub id {@code org/name[@revision]},
 * used in place from the Hugging Face cache when its snapshot is complete (no network), or downloaded into that cache
 * (never when offline). Only the files the engine needs are fetched, config.json first so that a repo that is not a
 * checkpoint dycoke runs (LLaVA-OneVision or Qwen2.5-VL) is refused before any weights are downloaded.
 */
public final class ModelResolver {
    private final HubEnv env;
    private final HubCache cache;
    private final DownloadOptions options;
    private final DownloadProgress progress;

    public ModelResolver(HubEnv env, DownloadOptions options, DownloadProgress progress) {
        this.env = env;
        this.cache = new HubCache(env.cache());
        this.options = options;
        this.progress = progress;
    }

    public ModelResolver(HubEnv env) {
        this(env, DownloadOptions.defaults(), DownloadProgress.NONE);
    }

    public HubCache cache() {
        return cache;
    }

    /** A local directory, or the snapshot folder of a Hub id (from the cache, or downloaded). Anything else comes back as a path, for the loader to report. */
    public Path resolve(String model, ModelFiles.Need need) {
        Path local;
        try {
            local = Path.of(model);
        } catch (InvalidPathException e) {
            local = null;
        }
        if (local != null && Files.isDirectory(local)) return local;
        if (!ModelRef.looksLikeHubId(model)) {
            if (local == null) throw new ModelFormatException(model + ": neither a directory nor a Hugging Face model id (org/name)");
            return local;
        }
        ModelRef ref = ModelRef.parse(model);
        Optional<Path> hit = cached(ref, need);
        if (hit.isPresent()) {
            ModelCheck.require(ref, hit.get());
            return hit.get();
        }
        return pull(ref, need);
    }

    /** The complete cached snapshot of a revision, if there is one; never touches the network. */
    public Optional<Path> cached(ModelRef ref, ModelFiles.Need need) {
        String commit = cache.commitOf(ref);
        if (commit == null) return Optional.empty();
        Path snap = cache.snapshot(ref, commit);
        return Files.isDirectory(snap) && ModelFiles.firstMissing(snap, need) == null ? Optional.of(snap) : Optional.empty();
    }

    /** Asks the Hub for the revision's commit and downloads what the cache lacks; offline, only the cache is looked at. */
    public Path pull(ModelRef ref, ModelFiles.Need need) {
        if (env.offline()) return offline(ref, need);
        HubClient client = new HubClient(env);
        RepoInfo info = client.revision(ref);
        List<String> files = ModelFiles.select(info.files(), need);
        if (!files.contains(ModelFiles.CONFIG))
            throw new ModelFormatException(ref + ": not a checkpoint dycoke runs (the repo has no config.json)");
        cache.tag();
        try {
            cache.writeRef(ref, info.commit());
            for (String f : ModelFiles.absent(info.files(), need)) cache.markMissing(ref, info.commit(), f);
        } catch (IOException e) {
            throw new HubException(HubException.Kind.IO, ref + ": cannot write the cache in " + cache.root() + " (" + HubClient.describe(e) + ")", e);
        }
        Downloader downloader = new Downloader(cache, client, options, progress);
        Path snap = cache.snapshot(ref, info.commit());
        fetch(client, downloader, ref, info.commit(), ModelFiles.CONFIG);
        ModelCheck.require(ref, snap);
        for (String f : ModelFiles.REQUIRED)
            if (!files.contains(f)) throw new ModelFormatException(ref + ": the repo has no " + f + ", which dycoke needs");
        if (need == ModelFiles.Need.MODEL && files.stream().noneMatch(f -> f.endsWith(".safetensors")))
            throw new ModelFormatException(ref + ": the repo has no *.safetensors weights; dycoke reads safetensors only");
        fetchAll(client, downloader, ref, info.commit(), files.subList(1, files.size()));
        String missing = ModelFiles.firstMissing(snap, need);
        if (missing != null) throw new ModelFormatException(ref + ": " + missing + " is listed by the checkpoint but not in the repo at " + info.commit());
        return snap;
    }

    private Path offline(ModelRef ref, ModelFiles.Need need) {
        Optional<Path> hit = cached(ref, need);
        if (hit.isPresent()) {
            ModelCheck.require(ref, hit.get());
            return hit.get();
        }
        String commit = cache.commitOf(ref);
        String why = commit == null ? "not in the Hugging Face cache " + cache.root()
                : "incomplete in the Hugging Face cache (snapshot " + commit + " lacks " + ModelFiles.firstMissing(cache.snapshot(ref, commit), need) + ")";
        throw new HubException(HubException.Kind.OFFLINE, ref + ": " + why + ", and offline mode is on (HF_HUB_OFFLINE or --offline); pull it with network first");
    }

    private static void fetch(HubClient client, Downloader downloader, ModelRef ref, String commit, String file) {
        FileMeta m = client.head(ref, commit, file);
        downloader.fetch(ref, new FileMeta(file, m.location(), m.etag(), m.size(), commit));
    }

    /** Downloads files, at most {@code parallel} at once; every file gets its chance, then the first failure is thrown. */
    private void fetchAll(HubClient client, Downloader downloader, ModelRef ref, String commit, List<String> files) {
        if (files.isEmpty()) return;
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(options.parallel(), files.size()), Thread.ofPlatform().daemon().name("dycoke-pull-", 0).factory());
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (String f : files) jobs.add(pool.submit(() -> fetch(client, downloader, ref, commit, f)));
            RuntimeException first = null;
            for (Future<?> j : jobs) {
                try {
                    j.get();
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (first == null) first = c instanceof RuntimeException re ? re : new HubException(HubException.Kind.IO, ref + ": " + c, c);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new HubException(HubException.Kind.NETWORK, ref + ": interrupted", e);
                }
            }
            if (first != null) throw first;
        } finally {
            pool.shutdownNow();
        }
    }
}
