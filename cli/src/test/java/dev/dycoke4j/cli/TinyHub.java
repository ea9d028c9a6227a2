package dev.dycoke4j.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal Hugging Face Hub on loopback for the CLI tests (core's tests have the full fake hub): one repo served from
 * a folder, the revision API, HEAD/GET on resolve/ with X-Repo-Commit and ETag, a 302 to a CDN path with X-Linked-Etag
 * and X-Linked-Size for *.safetensors, X-Error-Code on errors, a gate that wants a token. Counts requests.
 */
final class TinyHub implements AutoCloseable {
    static final String COMMIT = "89abcdef0123456789abcdef0123456789abcdef";
    final AtomicInteger requests = new AtomicInteger();
    final String repo;
    final Map<String, byte[]> files = new LinkedHashMap<>();
    volatile String requiredToken;
    private final HttpServer server;

    TinyHub(String repo, Path dir) throws IOException {
        this.repo = repo;
        try (var s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) files.put(p.getFileName().toString(), Files.readAllBytes(p));
        }
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "tiny-hub");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** HF_* variables pointing at this hub and a cache folder. */
    Map<String, String> env(Path cache, String... more) {
        Map<String, String> env = new java.util.HashMap<>(Map.of("HF_HUB_CACHE", cache.toString(), "HF_ENDPOINT", endpoint()));
        for (int i = 0; i < more.length; i += 2) env.put(more[i], more[i + 1]);
        return env;
    }

    private static String hex(String algo, byte[] prefix, byte[] b) {
        try {
            MessageDigest md = MessageDigest.getInstance(algo);
            md.update(prefix);
            return HexFormat.of().formatHex(md.digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        String path = ex.getRequestURI().getPath();
        try (ex) {
            var h = ex.getResponseHeaders();
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (requiredToken != null && !("Bearer " + requiredToken).equals(auth) && !path.startsWith("/cdn/")) {
                h.set("X-Error-Code", "GatedRepo");
                ex.sendResponseHeaders(auth == null ? 401 : 403, -1);
                return;
            }
            if (path.equals("/api/models/" + repo + "/revision/main")) {
                StringBuilder json = new StringBuilder("{\"id\":\"" + repo + "\",\"sha\":\"" + COMMIT + "\",\"siblings\":[");
                files.keySet().forEach(f -> json.append("{\"rfilename\":\"").append(f).append("\"},"));
                json.setLength(json.length() - 1);
                send(ex, 200, json.append("]}").toString().getBytes(StandardCharsets.UTF_8));
                return;
            }
            String prefix = "/" + repo + "/resolve/" + COMMIT + "/";
            String cdn = "/cdn/";
            String file = path.startsWith(prefix) ? path.substring(prefix.length()) : path.startsWith(cdn) ? path.substring(cdn.length()) : null;
            byte[] data = file == null ? null : files.get(file);
            if (data == null) {
                h.set("X-Error-Code", path.startsWith("/api/") || !path.contains("/resolve/") ? "RepoNotFound" : "EntryNotFound");
                ex.sendResponseHeaders(404, -1);
                return;
            }
            if (path.startsWith(prefix)) {
                h.set("X-Repo-Commit", COMMIT);
                if (file.endsWith(".safetensors")) {
                    h.set("X-Linked-Etag", "\"" + hex("SHA-256", new byte[0], data) + "\"");
                    h.set("X-Linked-Size", Integer.toString(data.length));
                    h.set("Location", endpoint() + cdn + file);
                    ex.sendResponseHeaders(302, -1);
                    return;
                }
                h.set("ETag", "\"" + hex("SHA-1", ("blob " + data.length + "\0").getBytes(StandardCharsets.US_ASCII), data) + "\"");
            }
            if (ex.getRequestMethod().equals("HEAD")) {
                h.set("Content-Length", Integer.toString(data.length));
                ex.sendResponseHeaders(200, -1);
            } else send(ex, 200, data);
        }
    }

    private static void send(HttpExchange ex, int code, byte[] body) throws IOException {
        ex.sendResponseHeaders(code, body.length);
        ex.getResponseBody().write(body);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
