package dev.dycoke4j.eval.data;

import dev.dycoke4j.hub.DownloadOptions;
import dev.dycoke4j.hub.DownloadProgress;
import dev.dycoke4j.hub.Downloader;
import dev.dycoke4j.hub.FileMeta;
import dev.dycoke4j.hub.HubCache;
import dev.dycoke4j.hub.HubClient;
import dev.dycoke4j.hub.HubEnv;
import dev.dycoke4j.hub.HubException;
import dev.dycoke4j.hub.ModelRef;
import dev.dycoke4j.hub.RepoInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * lmms-eval's {@code download} of a video task: {@code snapshot_download} of the dataset repo (every file, as the copy
 * does) into the hub cache, then its video zips extracted into {@code HF_HOME/<cache_dir>}. Files already in the
 * cache are not downloaded again, and files already extracted are not written again.
 */
public final class DatasetDownload {
    private final HubEnv env;
    private final DataLocation location;
    private final DownloadOptions options;
    private final DownloadProgress progress;

    /** {@code env} gives the endpoint and token; the files go to {@code location}'s hub cache and {@code HF_HOME}. */
    public DatasetDownload(HubEnv env, DataLocation location, DownloadOptions options, DownloadProgress progress) {
        this.env = env;
        this.location = location;
        this.options = options;
        this.progress = progress;
    }

    /** Downloads the dataset repo at {@code main} into the hub cache; returns its snapshot folder. */
    public Path pull(String repo) {
        ModelRef ref = DataLocation.ref(repo);
        if (env.offline()) {
            Path snap = location.snapshot(repo);
            if (snap != null) return snap;
            throw new HubException(HubException.Kind.OFFLINE, ref + ": not in the Hugging Face cache " + location.hubCache()
                    + ", and offline mode is on (HF_HUB_OFFLINE); download it with network first");
        }
        HubClient client = new HubClient(env);
        RepoInfo info = client.revision(ref);
        HubCache cache = new HubCache(location.hubCache());
        cache.tag();
        try {
            cache.writeRef(ref, info.commit());
        } catch (IOException e) {
            throw new HubException(HubException.Kind.IO, ref + ": cannot write the cache in " + cache.root() + " (" + e.getMessage() + ")", e);
        }
        Downloader downloader = new Downloader(cache, client, options, progress);
        Path snap = cache.snapshot(ref, info.commit());
        for (String f : info.files()) {
            if (Files.isRegularFile(cache.pointer(ref, info.commit(), f))) continue;
            FileMeta m = client.head(ref, info.commit(), f);
            downloader.fetch(ref, new FileMeta(f, m.location(), m.etag(), m.size(), info.commit()));
        }
        return snap;
    }

    /** Makes a task's data ready: its dataset repo in the hub cache and its video zips extracted. */
    public VideoArchives.Extracted prepare(String task) {
        DatasetSpec spec = DatasetSpecs.of(task);
        Path snap = pull(spec.repo());
        return VideoArchives.extractAll(snap, location.hfHome().resolve(spec.cacheDir()));
    }
}
