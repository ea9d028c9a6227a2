package dev.dycoke4j.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * A Hugging Face Hub on loopback, answering as the real one does: the revision API; HEAD/GET on
 * {@code /{repo}/resolve/{rev}/{file}} (dataset repos under {@code /api/datasets/} and {@code /datasets/{repo}/resolve/})
 * with {@code X-Repo-Commit} and {@code ETag} for small files, and for LFS files ({@code *.safetensors},
 * {@code *.parquet}, {@code *.zip}) a 302 to a "CDN" path with {@code X-Linked-Etag} (the sha256) and {@code X-Linked-Size};
 * ranged GETs answered with 206 and {@code Content-Range}; errors with {@code X-Error-Code}. It records every request,
 * and can drop a connection after some bytes, serve corrupt bytes, or demand a token. Shared by every module's tests
 * (core's test jar).
 */
public final class FakeHub implements AutoCloseable {
    /** One request as the hub saw it. */
    public record Request(String method, String path, String range, String authorization) {
    }

    /** A repo at one commit. */
    public record Repo(String commit, Map<String, byte[]> files) {
    }

    public final Map<String, Repo> repos = new ConcurrentHashMap<>();
    /** The dataset repos, a namespace apart from the models'. */
    public final Map<String, Repo> datasets = new ConcurrentHashMap<>();
    public final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    /** sha256 -> bytes after which the next CDN GET of that blob drops the connection (once each). */
    public final Map<String, Long> dropAfter = new ConcurrentHashMap<>();
    /** LFS file names served with one byte flipped. */
    public final java.util.Set<String> corrupt = ConcurrentHashMap.newKeySet();
    /** When set, repos are gated: no token gives 401, another token 403. */
    public volatile String requiredToken;
    private final HttpServer server;

    public FakeHub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-hub");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void add(String repo, String commit, Map<String, byte[]> files) {
        repos.put(repo, new Repo(commit, new LinkedHashMap<>(files)));
    }

    public void addDataset(String repo, String commit, Map<String, byte[]> files) {
        datasets.put(repo, new Repo(commit, new LinkedHashMap<>(files)));
    }

    /** A repo's files from a folder: every regular file in it, by name. */
    public static Map<String, byte[]> files(Path dir) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (var s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) if (Files.isRegularFile(p)) files.put(p.getFileName().toString(), Files.readAllBytes(p));
        }
        return files;
    }

    /** The HF_* variables that point a client at this hub, with {@code cache} as its cache folder, and any more pairs. */
    public Map<String, String> env(Path cache, String... more) {
        Map<String, String> env = new java.util.HashMap<>(Map.of("HF_HUB_CACHE", cache.toString(), "HF_ENDPOINT", endpoint()));
        for (int i = 0; i < more.length; i += 2) env.put(more[i], more[i + 1]);
        return env;
    }

    public static boolean lfs(String file) {
        return file.endsWith(".safetensors") || file.endsWith(".parquet") || file.endsWith(".zip");
    }

    public static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The git blob id, which the Hub gives as the ETag of a small file. */
    public static String gitSha1(byte[] b) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            md.update(("blob " + b.length + "\0").getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(md.digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public long count(String method, String pathPart) {
        synchronized (requests) {
            return requests.stream().filter(r -> r.method().equals(method) && r.path().contains(pathPart)).count();
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        requests.add(new Request(ex.getRequestMethod(), path, ex.getRequestHeaders().getFirst("Range"), ex.getRequestHeaders().getFirst("Authorization")));
        try (ex) {
            if (path.startsWith("/cdn/")) cdn(ex, path.substring(5));
            else if (path.startsWith("/api/models/")) api(ex, path.substring(12), repos);
            else if (path.startsWith("/api/datasets/")) api(ex, path.substring(14), datasets);
            else if (path.startsWith("/datasets/")) resolve(ex, path.substring(10), datasets);
            else resolve(ex, path.substring(1), repos);
        }
    }

    private boolean denied(HttpExchange ex) throws IOException {
        if (requiredToken == null) return false;
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (("Bearer " + requiredToken).equals(auth)) return false;
        ex.getResponseHeaders().set("X-Error-Code", "GatedRepo");
        ex.getResponseHeaders().set("X-Error-Message", "Access to model is restricted.");
        ex.sendResponseHeaders(auth == null ? 401 : 403, -1);
        return true;
    }

    /** The repo {@code repoId} at {@code rev}, or null once the answer (not found, or denied) is sent. */
    private Repo repoAt(HttpExchange ex, Map<String, Repo> in, String repoId, String rev) throws IOException {
        Repo repo = in.get(repoId);
        if (repo == null) {
            error(ex, 404, "RepoNotFound", null);
            return null;
        }
        if (denied(ex)) return null;
        if (!rev.equals("main") && !rev.equals(repo.commit())) {
            error(ex, 404, "RevisionNotFound", null);
            return null;
        }
        return repo;
    }

    private void api(HttpExchange ex, String rest, Map<String, Repo> in) throws IOException {
        int cut = rest.indexOf("/revision/");
        String repoId = rest.substring(0, cut), rev = java.net.URLDecoder.decode(rest.substring(cut + 10), StandardCharsets.UTF_8);
        Repo repo = repoAt(ex, in, repoId, rev);
        if (repo == null) return;
        ObjectNode root = new ObjectMapper().createObjectNode().put("id", repoId).put("sha", repo.commit());
        var sib = root.putArray("siblings");
        repo.files().keySet().forEach(f -> sib.addObject().put("rfilename", f));
        byte[] body = root.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
    }

    private void resolve(HttpExchange ex, String rest, Map<String, Repo> in) throws IOException {
        int cut = rest.indexOf("/resolve/");
        if (cut < 0) {
            ex.sendResponseHeaders(404, -1);
            return;
        }
        String repoId = rest.substring(0, cut), tail = rest.substring(cut + 9);
        int slash = tail.indexOf('/');
        String rev = tail.substring(0, slash), file = java.net.URLDecoder.decode(tail.substring(slash + 1), StandardCharsets.UTF_8);
        Repo repo = repoAt(ex, in, repoId, rev);
        if (repo == null) return;
        byte[] data = repo.files().get(file);
        if (data == null) {
            error(ex, 404, "EntryNotFound", repo.commit());
            return;
        }
        var h = ex.getResponseHeaders();
        h.set("X-Repo-Commit", repo.commit());
        if (lfs(file)) {
            String sha = sha256(data);
            h.set("X-Linked-Etag", "\"" + sha + "\"");
            h.set("X-Linked-Size", Long.toString(data.length));
            h.set("ETag", "W/\"" + gitSha1(("version https://git-lfs.github.com/spec/v1\noid sha256:" + sha).getBytes(StandardCharsets.UTF_8)) + "\"");
            h.set("Location", endpoint() + "/cdn/" + repoId.replace('/', '_') + "/" + file + "?sha=" + sha);
            ex.sendResponseHeaders(302, -1);
            return;
        }
        h.set("ETag", "\"" + gitSha1(data) + "\"");
        body(ex, data, Long.MAX_VALUE);
    }

    private void cdn(HttpExchange ex, String rest) throws IOException {
        String query = ex.getRequestURI().getQuery();
        String sha = query.substring(query.indexOf("sha=") + 4);
        String file = rest.substring(rest.indexOf('/') + 1);
        byte[] data = null;
        for (Repo r : java.util.stream.Stream.concat(repos.values().stream(), datasets.values().stream()).toList()) {
            byte[] d = r.files().get(file);
            if (d != null && sha256(d).equals(sha)) data = d;
        }
        if (data == null) {
            ex.sendResponseHeaders(404, -1);
            return;
        }
        if (corrupt.contains(file)) {
            data = data.clone();
            data[data.length / 2] ^= 0x5a;
        }
        Long drop = dropAfter.remove(sha);
        body(ex, data, drop == null ? Long.MAX_VALUE : drop);
    }

    /** 200 with the body, or 206 from the Range's start; stops abruptly after {@code limit} bytes of body. */
    private static void body(HttpExchange ex, byte[] data, long limit) throws IOException {
        String range = ex.getRequestHeaders().getFirst("Range");
        int from = 0;
        if (range != null && range.startsWith("bytes=") && range.endsWith("-")) {
            from = Integer.parseInt(range.substring(6, range.length() - 1));
            if (from >= data.length) {
                ex.getResponseHeaders().set("Content-Range", "bytes */" + data.length);
                ex.sendResponseHeaders(416, -1);
                return;
            }
            ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (data.length - 1) + "/" + data.length);
        }
        int len = data.length - from;
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().set("Content-Length", Integer.toString(len));
            ex.sendResponseHeaders(range == null ? 200 : 206, -1);
            return;
        }
        ex.sendResponseHeaders(range == null ? 200 : 206, len);
        OutputStream out = ex.getResponseBody();
        if (limit < len) {
            out.write(data, from, (int) limit);
            out.flush();
            throw new IOException("fake hub: dropping the connection after " + limit + " bytes");
        }
        out.write(data, from, len);
    }

    private static void error(HttpExchange ex, int code, String errorCode, String commit) throws IOException {
        ex.getResponseHeaders().set("X-Error-Code", errorCode);
        if (commit != null) ex.getResponseHeaders().set("X-Repo-Commit", commit);
        ex.sendResponseHeaders(code, -1);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
