package dev.dycoke4j.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The Hugging Face cache layout, shared with huggingface_hub so that each tool finds what the other downloaded:
 * <pre>
 * {cache}/models--org--name/refs/{revision}              the commit, 40 hex digits, no newline
 *                          /snapshots/{commit}/{file}     a relative symlink to ../../blobs/{etag}
 *                          /blobs/{etag}                  the content (an LFS file's etag is its sha256)
 *                          /blobs/{etag}.incomplete       a download in progress, resumed from its length
 *                          /.no_exist/{commit}/{file}     an empty marker: the file is not in that commit
 * {cache}/.locks/models--org--name/{etag}.lock            held while a blob is downloaded
 * </pre>
 */
public record HubCache(Path root) {
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    public Path repo(ModelRef ref) {
        return root.resolve(ref.folder());
    }

    public Path snapshot(ModelRef ref, String commit) {
        return repo(ref).resolve("snapshots").resolve(commit);
    }

    public Path blob(ModelRef ref, String etag) {
        return repo(ref).resolve("blobs").resolve(etag);
    }

    public Path incomplete(ModelRef ref, String etag) {
        return repo(ref).resolve("blobs").resolve(etag + ".incomplete");
    }

    public Path lock(ModelRef ref, String etag) {
        return root.resolve(".locks").resolve(ref.folder()).resolve(etag + ".lock");
    }

    /** The snapshot file a name points to, checked to stay inside the snapshot folder. */
    public Path pointer(ModelRef ref, String commit, String file) {
        Path snap = snapshot(ref, commit);
        Path p = snap.resolve(file).normalize();
        if (!p.startsWith(snap) || p.equals(snap)) throw new HubException(HubException.Kind.PROTOCOL, ref + ": unsafe file name '" + file + "'");
        return p;
    }

    /** The commit a revision stands for in the cache: itself if it is a commit, else what refs/{revision} holds; null if unknown. */
    public String commitOf(ModelRef ref) {
        if (ref.isCommit()) return ref.revision();
        Path f = repo(ref).resolve("refs").resolve(ref.revision()).normalize();
        if (!f.startsWith(repo(ref).resolve("refs")) || !Files.isRegularFile(f)) return null;
        try {
            String c = Files.readString(f, StandardCharsets.UTF_8).strip();
            return COMMIT.matcher(c).matches() ? c : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Writes refs/{revision} atomically (a temporary file, then a rename), only when it changes; nothing for a commit. */
    public void writeRef(ModelRef ref, String commit) throws IOException {
        if (ref.revision().equals(commit)) return;
        Path f = repo(ref).resolve("refs").resolve(ref.revision()).normalize();
        if (!f.startsWith(repo(ref).resolve("refs"))) throw new HubException(HubException.Kind.PROTOCOL, ref + ": unsafe revision name");
        if (commit.equals(commitOf(ref))) return;
        Files.createDirectories(f.getParent());
        Path tmp = f.resolveSibling(f.getFileName() + "." + UUID.randomUUID().toString().substring(0, 8) + ".tmp");
        Files.writeString(tmp, commit, StandardCharsets.UTF_8);
        replace(tmp, f);
    }

    /**
     * Points snapshots/{commit}/{file} at the blob with a relative symlink ({@code ../../blobs/{etag}}, deeper for files
     * in folders), made beside it and renamed over, so concurrent pulls never see a missing or half-made link.
     */
    public void link(ModelRef ref, String commit, String file, String etag) throws IOException {
        Path pointer = pointer(ref, commit, file);
        Path target = pointer.getParent().relativize(blob(ref, etag));
        Files.createDirectories(pointer.getParent());
        if (Files.isSymbolicLink(pointer) && Files.readSymbolicLink(pointer).equals(target)) return;
        Path tmp = pointer.resolveSibling("." + pointer.getFileName() + "." + UUID.randomUUID().toString().substring(0, 8) + ".tmp");
        Files.createSymbolicLink(tmp, target);
        replace(tmp, pointer);
    }

    /** Records that a file is absent from a commit, as huggingface_hub does after a 404, so no tool asks again. */
    public void markMissing(ModelRef ref, String commit, String file) throws IOException {
        Path m = repo(ref).resolve(".no_exist").resolve(commit).resolve(file).normalize();
        if (!m.startsWith(repo(ref).resolve(".no_exist"))) return;
        Files.createDirectories(m.getParent());
        try {
            Files.createFile(m);
        } catch (java.nio.file.FileAlreadyExistsException done) {
            // another pull of the same model marked it first: the marker is what we wanted
        }
    }

    /** A CACHEDIR.TAG so that backup tools skip the cache (the Cache Directory Tagging Standard), as huggingface_hub writes. */
    public void tag() {
        Path t = root.resolve("CACHEDIR.TAG");
        if (Files.exists(t)) return;
        try {
            Files.createDirectories(root);
            Files.writeString(t, "Signature: 8a477f597d28d172789f06886806bc55\n"
                    + "# This file is a cache directory tag created by dycoke4j (the Hugging Face cache layout).\n"
                    + "# For information about cache directory tags, see: https://bford.info/cachedir/\n");
        } catch (IOException ignored) {
            // best effort, as for the Python client
        }
    }

    private static void replace(Path tmp, Path dest) throws IOException {
        try {
            Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dest, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
