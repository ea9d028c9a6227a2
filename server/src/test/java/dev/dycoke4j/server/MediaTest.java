package dev.dycoke4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.dycoke4j.pipeline.VideoQa;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SSRF and path-traversal attempts: against a local HTTP server on 127.0.0.1 that counts its hits (refused by
 * default, served only when allowed), and against files outside the allowed folder (by {@code ..}, encoded or not, by
 * a symbolic link, by a host).
 */
class MediaTest {
    static VideoQa qa;
    static HttpServer origin;
    static final AtomicInteger hits = new AtomicInteger();
    static byte[] clip;
    static int port;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        qa = VideoQa.load(Fixture.MODEL);
        clip = Files.readAllBytes(Fixture.CLIP);
        origin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        port = origin.getAddress().getPort();
        origin.createContext("/", ex -> {
            hits.incrementAndGet();
            String p = ex.getRequestURI().getPath();
            switch (p) {
                case "/clip.mkv" -> {
                    ex.sendResponseHeaders(200, clip.length);
                    try (OutputStream o = ex.getResponseBody()) {
                        o.write(clip);
                    }
                }
                case "/chunked.mkv" -> { // no length: the cap applies while streaming
                    ex.sendResponseHeaders(200, 0);
                    try (OutputStream o = ex.getResponseBody()) {
                        o.write(clip);
                    }
                }
                default -> {
                    String to = switch (p) {
                        case "/to-self" -> "/clip.mkv";
                        case "/to-localhost" -> "http://localhost:" + port + "/clip.mkv";
                        case "/to-metadata" -> "http://169.254.169.254/latest/meta-data/";
                        case "/to-file" -> "file:///etc/passwd";
                        case "/loop" -> "/loop";
                        default -> null;
                    };
                    if (to != null) ex.getResponseHeaders().add("Location", to);
                    ex.sendResponseHeaders(to != null ? 302 : 404, -1);
                    ex.close();
                }
            }
        });
        origin.start();
    }

    @AfterAll
    static void stop() {
        origin.stop(0);
        qa.close();
    }

    static Fixture.Running server(MediaPolicy media) {
        var c = Fixture.config();
        return Fixture.start(qa, new ServerConfig(c.host(), 0, c.modelName(), null, media, c.maxFrames(), c.maxQueue(), c.maxBatch(),
                c.prefillChunk(), c.defaults()));
    }

    static HttpResponse<String> ask(Fixture.Running s, String url) throws Exception {
        return Fixture.post(s.url("/v1/chat/completions"), Fixture.chat(url, "What happens?", 4, Map.of()).toString());
    }

    static String refused(HttpResponse<String> r) throws Exception {
        assertEquals(400, r.statusCode(), r.body());
        JsonNode e = Fixture.json(r).get("error");
        assertEquals("messages[0].content[1].video_url.url", e.get("param").asText());
        return e.get("message").asText();
    }

    String origin(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    @Test
    void remoteMediaIsRefusedByDefaultAndReachesNothing() throws Exception {
        try (var s = server(MediaPolicy.none())) {
            int before = hits.get();
            assertTrue(refused(ask(s, origin("/clip.mkv"))).contains("not among the server's allowed media domains"));
            assertTrue(refused(ask(s, "http://localhost:" + port + "/clip.mkv")).contains("not among"));
            assertTrue(refused(ask(s, "http://169.254.169.254/latest/meta-data/")).contains("not among"));
            assertTrue(refused(ask(s, "gopher://127.0.0.1:" + port + "/")).contains("must be file://, http://, https:// or data:"));
            assertTrue(refused(ask(s, Fixture.fileUrl(Fixture.CLIP))).contains("without --allowed-local-media-path"));
            assertEquals(before, hits.get(), "no request reached the local server");
        }
    }

    @Test
    void anAllowedNameThatResolvesToLoopbackIsRefused() throws Exception {
        try (var s = server(MediaPolicy.none().withDomains(List.of("localhost")))) {
            int before = hits.get();
            String m = refused(ask(s, "http://localhost:" + port + "/clip.mkv"));
            assertTrue(m.contains("resolves to a loopback address"), m);
            assertEquals(before, hits.get(), "the refused address was never connected to");
        }
    }

    @Test
    void anExplicitlyAllowedAddressIsServedAndEveryRedirectIsChecked() throws Exception {
        try (var s = server(MediaPolicy.none().withDomains(List.of("127.0.0.1")).withLocalRoot(Fixture.CLIP.getParent()))) {
            var local = ask(s, Fixture.fileUrl(Fixture.CLIP));
            assertEquals(200, local.statusCode(), local.body());
            JsonNode want = Fixture.json(local).get("dycoke").get("token_ids");
            for (String path : List.of("/clip.mkv", "/chunked.mkv", "/to-self")) {
                var r = ask(s, origin(path));
                assertEquals(200, r.statusCode(), path + ": " + r.body());
                assertEquals(want, Fixture.json(r).get("dycoke").get("token_ids"), path);
                assertTrue(Fixture.json(r).get("dycoke").get("vision_cached").asBoolean(), "the same content under another URL hits the cache");
            }
            int before = hits.get();
            assertTrue(refused(ask(s, origin("/to-localhost"))).contains("localhost is not among"));
            assertTrue(refused(ask(s, origin("/to-metadata"))).contains("169.254.169.254 is not among"));
            assertTrue(refused(ask(s, origin("/to-file"))).contains("redirects to a file URL"));
            assertTrue(refused(ask(s, origin("/loop"))).contains("redirects more than"));
            assertTrue(refused(ask(s, origin("/missing"))).contains("answered HTTP 404"));
            assertEquals(before + 1 + 1 + 1 + 6 + 1, hits.get(), "only the allowed origin was reached, once per hop");
        }
    }

    @Test
    void aDataUrlIsAnsweredAsTheFileAndItsTemporaryCopyIsDeleted() throws Exception {
        try (var s = server(MediaPolicy.none().withLocalRoot(Fixture.CLIP.getParent()))) {
            JsonNode want = Fixture.json(ask(s, Fixture.fileUrl(Fixture.CLIP))).get("dycoke").get("token_ids");
            String data = "data:video/x-matroska;base64," + java.util.Base64.getEncoder().encodeToString(clip);
            for (boolean stream : new boolean[]{false, true}) {
                var r = Fixture.post(s.url("/v1/chat/completions"), Fixture.chat(data, "What happens?", 4, Map.of("stream", stream)).toString());
                assertEquals(200, r.statusCode(), r.body());
                if (!stream) assertEquals(want, Fixture.json(r).get("dycoke").get("token_ids"));
            }
            try (var left = Files.list(s.server().tempDir())) {
                assertEquals(List.of(), left.toList(), "no temporary video is left once its request is answered");
            }
        }
    }

    @Test
    void remoteVideosOverTheCapAre413WhileStreaming() throws Exception {
        try (var s = server(MediaPolicy.none().withDomains(List.of("127.0.0.1")).withMaxBytes(clip.length - 1))) {
            for (String path : List.of("/clip.mkv", "/chunked.mkv")) {
                var r = ask(s, origin(path));
                assertEquals(413, r.statusCode(), r.body());
            }
            try (var left = Files.list(s.server().tempDir())) {
                assertEquals(List.of(), left.toList(), "a refused download leaves nothing behind");
            }
        }
    }

    /** Loopback allowed, and timeouts short enough for a test to wait them out. */
    static MediaPolicy impatient() {
        return new MediaPolicy(null, Set.of("127.0.0.1"), MediaPolicy.DEFAULT_MAX_BYTES, java.time.Duration.ofMillis(500), java.time.Duration.ofMillis(500));
    }

    /** A local server that accepts a connection, reads the request, and then sends only {@code head} (maybe nothing), never closing. */
    static ServerSocket mute(byte[] head, List<Socket> held) throws Exception {
        ServerSocket ss = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    Socket sock = ss.accept();
                    held.add(sock);
                    var in = sock.getInputStream();
                    for (int run = 0, b; run < 4 && (b = in.read()) >= 0; ) run = (b == '\r' || b == '\n') ? run + 1 : 0; // the request head
                    sock.getOutputStream().write(head);
                    sock.getOutputStream().flush();
                }
            } catch (java.io.IOException e) {
                // closed by the test
            }
        });
        return ss;
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aServerThatNeverAnswersOrStallsRunsIntoTheTimeouts() throws Exception {
        List<Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        byte[] stall = ("HTTP/1.1 200 OK\r\nContent-Length: " + clip.length + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (var s = server(impatient()); ServerSocket silent = mute(new byte[0], held); ServerSocket stalling = mute(stall, held)) {
            String m = refused(ask(s, "http://127.0.0.1:" + silent.getLocalPort() + "/clip.mkv"));
            assertTrue(m.contains("did not answer in time"), m);
            m = refused(ask(s, "http://127.0.0.1:" + stalling.getLocalPort() + "/clip.mkv"));
            assertTrue(m.contains("timed out"), m + s.log());
            try (var left = Files.list(s.server().tempDir())) {
                assertEquals(List.of(), left.toList(), "a download that timed out leaves nothing behind");
            }
            assertEquals(200, ask(s, origin("/clip.mkv")).statusCode(), "the server goes on fetching");
        } finally {
            for (Socket sock : held) sock.close();
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aServerThatNeverAcceptsRunsIntoTheConnectTimeout() throws Exception {
        // a listening socket that never accepts: once its queue of pending connections is full, the kernel drops
        // further connection attempts, which then wait until the connect timeout
        try (ServerSocket full = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            List<Socket> fill = new ArrayList<>();
            try {
                while (fill.size() < 64) {
                    Socket sock = new Socket();
                    fill.add(sock);
                    try {
                        sock.connect(full.getLocalSocketAddress(), 300);
                    } catch (java.net.SocketTimeoutException e) {
                        break; // the queue is full
                    }
                }
                org.junit.jupiter.api.Assumptions.assumeTrue(fill.size() < 64, "this system accepts connections beyond the listen queue");
                try (var s = server(impatient())) {
                    String m = refused(ask(s, "http://127.0.0.1:" + full.getLocalPort() + "/clip.mkv"));
                    assertTrue(m.contains("did not answer in time"), m);
                }
            } finally {
                for (Socket sock : fill) sock.close();
            }
        }
    }

    @Test
    void filesOutsideTheAllowedFolderAreRefused() throws Exception {
        Path media = Files.createDirectories(tmp.resolve("media"));
        Path secret = tmp.resolve("secret.mkv");
        Files.write(secret, clip);
        Files.write(media.resolve("clip.mkv"), clip);
        Files.createSymbolicLink(media.resolve("link.mkv"), secret);
        Files.createSymbolicLink(media.resolve("up"), tmp);
        try (var s = server(MediaPolicy.none().withLocalRoot(media))) {
            assertEquals(200, ask(s, media.resolve("clip.mkv").toUri().toString()).statusCode());
            String root = media.toUri().toString(); // ends with a slash
            for (String url : List.of(root + "../secret.mkv", root + "%2e%2e/secret.mkv", root + "link.mkv", root + "up/secret.mkv",
                    "file:///etc/passwd", "file://" + media.toAbsolutePath() + "/../secret.mkv")) {
                String m = refused(ask(s, url));
                assertTrue(m.contains("outside the allowed local media folder"), url + ": " + m);
            }
            assertTrue(refused(ask(s, "file://example.com" + media.resolve("clip.mkv").toAbsolutePath())).contains("no host"));
            assertTrue(refused(ask(s, root + "nothing.mkv")).contains("does not exist"));
        }
    }

    @Test
    void addressRulesRefuseEveryNonPublicRange() throws Exception {
        for (String a : Set.of("127.0.0.1", "127.8.9.1", "0.0.0.0", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
                "100.64.0.1", "224.0.0.1", "255.255.255.255", "198.18.0.1", "::1", "::", "fe80::1", "fc00::1", "fd00:ec2::254", "::ffff:127.0.0.1",
                "::ffff:169.254.169.254", "2002:a00:1::", "64:ff9b::a00:1", "ff02::1"))
            assertTrue(AddressRules.refusal(java.net.InetAddress.getByName(a)) != null, a);
        for (String a : Set.of("8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"))
            assertEquals(null, AddressRules.refusal(java.net.InetAddress.getByName(a)), a);
    }
}
