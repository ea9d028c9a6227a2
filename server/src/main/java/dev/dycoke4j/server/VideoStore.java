package dev.dycoke4j.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The videos the web page works on, named by the SHA-256 of their content ({@code dycoke://video/<id>}): uploads,
 * kept in the server's temporary folder (at most {@link #MAX_UPLOADS}, the least recently stored going first), and
 * files under the allowed local media folder that a client picked by their name relative to it. A client never gives
 * a server path: a local name is resolved below the folder and its real path checked to stay there. Thread-safe.
 */
final class VideoStore {
    /** Uploads kept at once: each may be as large as the media cap, so the disk they take stays bounded. */
    static final int MAX_UPLOADS = 32;
    /** Files listed from the local folder, and how deep its sub-folders are walked. */
    static final int MAX_LISTED = 1000, MAX_DEPTH = 4;
    private static final Pattern ID = Pattern.compile("[0-9a-f]{64}");

    /** A stored video: its id, where its bytes are, and their count. */
    record Stored(String id, Path file, long bytes) {
        String url() {
            return "dycoke://video/" + id;
        }
    }

    private final MediaPolicy policy;
    private final Path dir;
    private final Map<String, Stored> byId = new ConcurrentHashMap<>();
    private final List<String> uploads = new ArrayList<>();

    VideoStore(MediaPolicy policy, Path dir) {
        this.policy = policy;
        this.dir = dir;
    }

    /** The most bytes an upload may hold. */
    long maxBytes() {
        return policy.maxBytes();
    }

    /**
     * Stores the video {@code in} holds, reading at most the cap; a larger one is a 413 (after reading a bounded
     * amount more, so that the client is still listening when the error is sent).
     */
    Stored upload(InputStream in, long declared) throws IOException {
        long cap = policy.maxBytes();
        if (declared > cap) {
            drain(in, Math.min(declared, cap + (8L << 20)));
            throw tooLarge();
        }
        Path tmp = Files.createTempFile(dir, "upload-", ".part");
        try {
            MessageDigest sha = sha256();
            long total = 0;
            try (OutputStream out = Files.newOutputStream(tmp)) {
                byte[] buf = new byte[64 << 10];
                for (int n; (n = in.read(buf)) >= 0; ) {
                    total += n;
                    if (total > cap) {
                        drain(in, 8L << 20);
                        throw tooLarge();
                    }
                    sha.update(buf, 0, n);
                    out.write(buf, 0, n);
                }
            }
            if (total == 0) throw ApiError.invalid(null, "the upload is empty: send the video's bytes as the request body");
            String id = HexFormat.of().formatHex(sha.digest());
            Path file = dir.resolve("video-" + id);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Stored s = new Stored(id, file, total);
            remember(s);
            return s;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private synchronized void remember(Stored s) {
        byId.put(s.id(), s);
        uploads.remove(s.id());
        uploads.add(s.id());
        while (uploads.size() > MAX_UPLOADS) {
            Stored old = byId.remove(uploads.removeFirst());
            try {
                Files.deleteIfExists(old.file());
            } catch (IOException e) {
                old.file().toFile().deleteOnExit();
            }
        }
    }

    /** The files under the local folder, by their names relative to it ('/'-separated), sorted; none without one. */
    List<Map.Entry<String, Long>> local() throws IOException {
        Path root = policy.localRoot();
        if (root == null) return List.of();
        List<Map.Entry<String, Long>> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root, MAX_DEPTH)) {
            for (Path p : (Iterable<Path>) files.sorted()::iterator) {
                if (out.size() >= MAX_LISTED) break;
                if (!Files.isRegularFile(p) || Files.isSymbolicLink(p) || Files.isHidden(p)) continue;
                String name = root.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
                if (name.startsWith(".") || name.contains("/.")) continue;
                out.add(Map.entry(name, Files.size(p)));
            }
        }
        return out;
    }

    /** Registers the local file called {@code name} (relative to the allowed folder) under its content's id. */
    Stored pickLocal(String name) throws IOException {
        Path root = policy.localRoot();
        if (root == null) throw ApiError.invalid("name", "this server has no local media folder (it was started without --allowed-local-media-path)");
        if (name == null || name.isBlank()) throw ApiError.invalid("name", "name must be a file's name relative to the local media folder");
        if (name.startsWith("/") || name.startsWith("\\") || name.indexOf('\0') >= 0 || name.contains(":"))
            throw ApiError.invalid("name", "name must be relative to the local media folder");
        Path lexical = root.resolve(name).normalize();
        if (!lexical.startsWith(root)) throw ApiError.invalid("name", "the file is outside the local media folder");
        Path real;
        try {
            real = lexical.toRealPath();
        } catch (IOException e) {
            throw missing("name", "there is no file " + name + " in the local media folder");
        }
        if (!real.startsWith(root)) throw ApiError.invalid("name", "the file is outside the local media folder");
        if (!Files.isRegularFile(real)) throw ApiError.invalid("name", name + " is not a file");
        long size = Files.size(real);
        if (size > policy.maxBytes()) throw tooLarge();
        MessageDigest sha = sha256();
        try (InputStream in = Files.newInputStream(real)) {
            byte[] buf = new byte[64 << 10];
            for (int n; (n = in.read(buf)) >= 0; ) sha.update(buf, 0, n);
        }
        Stored s = new Stored(HexFormat.of().formatHex(sha.digest()), real, size);
        byId.putIfAbsent(s.id(), s);
        return s;
    }

    /** The stored video {@code id}, or a 404 naming {@code param}. */
    Stored get(String id, String param) {
        Stored s = id != null && ID.matcher(id).matches() ? byId.get(id) : null;
        if (s == null || !Files.isRegularFile(s.file())) throw missing(param, "there is no video " + clip(id) + " on this server (upload it first)");
        return s;
    }

    /** The file a {@code dycoke://video/<id>} URL names, for a chat request's field {@code param}. */
    Media media(URI uri, String param) {
        String host = uri.getHost(), path = uri.getPath();
        if (!"video".equals(host) || path == null || !path.startsWith("/"))
            throw ApiError.invalid(param, "a dycoke: URL must be dycoke://video/<id>");
        return new Media(get(path.substring(1), param).file(), false);
    }

    private ApiError tooLarge() {
        return ApiError.tooLarge(null, "the video is larger than the server's cap of " + policy.maxBytes() + " bytes");
    }

    private static String clip(String id) {
        if (id == null) return "''";
        String s = id.length() > 80 ? id.substring(0, 80) + "..." : id;
        return "'" + s.replaceAll("[^\\x20-\\x7e]", "?") + "'";
    }

    private static void drain(InputStream in, long max) {
        try {
            byte[] buf = new byte[64 << 10];
            for (long n = 0; n < max; ) {
                int r = in.read(buf, 0, (int) Math.min(buf.length, max - n));
                if (r < 0) break;
                n += r;
            }
        } catch (IOException e) {
            // the client stopped sending: the error still goes out if it listens
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Where uploads are kept (for tests). */
    Path dir() {
        return dir;
    }

    /** 404: what {@code param} names is not here. */
    static ApiError missing(String param, String message) {
        return new ApiError(404, "invalid_request_error", param, "not_found", message);
    }
}
