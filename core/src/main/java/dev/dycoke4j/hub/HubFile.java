package dev.dycoke4j.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One file of a Hub repo, in the Hugging Face cache: used from the cache when the revision's snapshot has it (no
 * network), else downloaded there whole, once (never when offline). For weights that a checkpoint does not carry and
 * another repo does, such as SigLIP's pooling head; the caller reads only the tensors it needs from the file.
 */
public final class HubFile {
    private HubFile() {
    }

    /** The cached copy of {@code file} at {@code ref}'s revision, or null; never touches the network. */
    public static Path cached(HubEnv env, ModelRef ref, String file) {
        HubCache cache = new HubCache(env.cache());
        String commit = cache.commitOf(ref);
        if (commit == null) return null;
        Path p = cache.pointer(ref, commit, file);
        return Files.isRegularFile(p) ? p : null;
    }

    /**
     * {@code file} of {@code ref}, from the cache or downloaded into it.
     *
     * @throws HubException (kind {@link HubException.Kind#OFFLINE}) when it is not cached and offline mode is on, or as
     *                      the download fails
     */
    public static Path fetch(HubEnv env, ModelRef ref, String file, DownloadOptions options, DownloadProgress progress) {
        Path hit = cached(env, ref, file);
        if (hit != null) return hit;
        HubCache cache = new HubCache(env.cache());
        if (env.offline())
            throw new HubException(HubException.Kind.OFFLINE, ref + ": " + file + " is not in the Hugging Face cache " + cache.root()
                    + ", and offline mode is on (HF_HUB_OFFLINE or --offline)");
        HubClient client = new HubClient(env);
        RepoInfo info = client.revision(ref);
        if (!info.files().contains(file))
            throw new HubException(HubException.Kind.NOT_FOUND, ref + ": the repo has no " + file + " at " + info.commit());
        cache.tag();
        try {
            cache.writeRef(ref, info.commit());
        } catch (IOException e) {
            throw new HubException(HubException.Kind.IO, ref + ": cannot write the cache in " + cache.root() + " (" + HubClient.describe(e) + ")", e);
        }
        FileMeta m = client.head(ref, info.commit(), file);
        return new Downloader(cache, client, options, progress).fetch(ref, new FileMeta(file, m.location(), m.etag(), m.size(), info.commit()));
    }
}
