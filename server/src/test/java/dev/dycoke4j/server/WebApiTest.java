package dev.dycoke4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.compress.DyCokeMethod;
import dev.dycoke4j.pipeline.Answer;
import dev.dycoke4j.pipeline.VideoQa;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The web page's API over raw HTTP: methods, uploads, thumbnails, local files, the kept map, and every refusal. */
class WebApiTest {
    static VideoQa qa;
    static Fixture.Running server;
    static Path root, outside;
    static byte[] clip;
    static long cap;

    @BeforeAll
    static void start() throws Exception {
        qa = VideoQa.load(Fixture.MODEL);
        clip = Files.readAllBytes(Fixture.CLIP);
        cap = clip.length + 1000;
        Path tmp = Files.createTempDirectory("dycoke-web-test");
        root = Files.createDirectories(tmp.resolve("media"));
        Files.createDirectories(root.resolve("sub"));
        Files.write(root.resolve("sub/clip.mkv"), clip);
        Files.write(root.resolve(".hidden.mkv"), clip);
        outside = Files.write(tmp.resolve("outside.mkv"), clip);
        Files.createSymbolicLink(root.resolve("sub/link.mkv"), outside);
        ServerConfig c = Fixture.config();
        server = Fixture.start(qa, new ServerConfig(c.host(), 0, c.modelName(), null, c.media().withLocalRoot(root).withMaxBytes(cap), c.maxFrames(),
                c.maxQueue(), c.maxBatch(), c.prefillChunk(), c.defaults()));
    }

    @AfterAll
    static void stop() {
        server.close();
        qa.close();
    }

    static HttpResponse<String> upload(byte[] body) throws Exception {
        return Fixture.HTTP.send(HttpRequest.newBuilder(URI.create(server.url("/v1/dycoke/videos"))).header("Content-Type", "video/x-matroska")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<byte[]> frame(String id, String index, String query) throws Exception {
        return Fixture.HTTP.send(HttpRequest.newBuilder(URI.create(server.url("/v1/dycoke/videos/" + id + "/frames/" + index + query))).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static String uploadedClip() throws Exception {
        HttpResponse<String> r = upload(clip);
        assertEquals(200, r.statusCode(), r.body());
        return Fixture.json(r).get("id").asText();
    }

    @Test
    void methodsListTheRegistryWithKeysDefaultsAndBudgets() throws Exception {
        HttpResponse<String> r = Fixture.get(server.url("/v1/dycoke/methods"));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode root = Fixture.json(r);
        List<String> names = new ArrayList<>();
        for (JsonNode m : root.get("data")) names.add(m.get("name").asText());
        assertEquals(CompressionMethods.names(), names);
        JsonNode dycoke = root.get("data").get(names.indexOf("dycoke"));
        List<String> keys = new ArrayList<>();
        dycoke.get("keys").forEach(k -> keys.add(k.asText()));
        assertEquals(CompressionMethods.spec("dycoke").keys(), keys);
        assertEquals(DyCokeMethod.defaults().options().get("dp_l"), dycoke.get("defaults").get("dp_l").asText());
        assertEquals("match_ttm", dycoke.get("budget").asText());
        assertTrue(dycoke.get("merges").asBoolean());
        JsonNode uniform = root.get("data").get(names.indexOf("uniform"));
        assertTrue(uniform.get("takes_ratio").asBoolean());
        assertFalse(uniform.get("merges").asBoolean());
        assertEquals("ratio", root.get("data").get(names.indexOf("vidcom2")).get("budget").asText());
        assertTrue(root.get("budget_kinds").has("ratio") && root.get("budget_kinds").has("match_ttm"), root.toString());
        assertEquals(List.of("tokens", "attended", "flops", "kv"), root.get("budgets").findValuesAsText("name"), "what --budget may fix");
        assertTrue(uniform.get("takes_dp").asBoolean());
        assertTrue(root.get("data").get(names.indexOf("fastv")).get("takes_dp").asBoolean(), "DP selects among the rows FastV leaves each layer");
        assertEquals(cap, root.get("server").get("max_media_bytes").asLong());
        assertEquals("none", root.get("server").get("compress").asText());
    }

    @Test
    void anUploadIsStoredByContentAndAnsweredAsTheLibraryAnswersTheFile() throws Exception {
        String id = uploadedClip();
        assertEquals(sha256(clip), id);
        assertEquals(id, uploadedClip(), "the same content, the same id");
        var ext = Map.<String, Object>of("dycoke", Map.of("compress", "dycoke", "dp_l", 2, "trace_kept", true));
        HttpResponse<String> r = Fixture.post(server.url("/v1/chat/completions"), Fixture.chat("dycoke://video/" + id, "What happens?", 6, ext).toString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode d = Fixture.json(r).get("dycoke");
        Answer expected = Fixture.library(qa, Fixture.CLIP, 8, "What happens?", 6, CompressionMethods.parse("dycoke", Map.of("dp_l", "2")));
        assertEquals(expected.text(), Fixture.json(r).get("choices").get(0).get("message").get("content").asText());

        JsonNode kept = d.get("kept");
        int pooled = d.get("visual_tokens_pooled").asInt(), n = d.get("visual_tokens_kept").asInt();
        assertEquals(n, kept.get("indices").size());
        assertEquals(expected.stats().visualKept(), n);
        assertEquals(pooled, kept.get("frames").asInt() * kept.get("tokens_per_frame").asInt());
        assertEquals(Fixture.JSON.valueToTree(List.of(0, 1, 2, 3, 4, 5, 6, 7)), kept.get("thumbnails"), "each row shows its own frame");
        int k = 0, m = 0;
        Set<Integer> indices = new HashSet<>();
        kept.get("indices").forEach(i -> indices.add(i.asInt()));
        for (int f = 0; f < kept.get("frames").asInt(); f++) {
            String row = kept.get("fate").get(f).asText();
            for (int p = 0; p < row.length(); p++) {
                char c = row.charAt(p);
                assertEquals(indices.contains(f * row.length() + p), c == 'k', "frame " + f + " token " + p);
                if (c == 'k') k++;
                if (c == 'm') m++;
            }
            JsonNode counts = kept.get("counts").get(f);
            assertEquals(row.chars().filter(c -> c == 'k').count(), counts.get("kept").asLong());
        }
        assertEquals(n, k);
        assertEquals(pooled - n, m, "TTM's pruned tokens count as merged into their reference frame's");

        JsonNode dp = kept.get("dp");
        assertEquals(2, dp.get("layer").asInt());
        JsonNode steps = dp.get("attended");
        assertTrue(steps.size() > 0, d.toString());
        double sum = 0;
        for (JsonNode s : steps) {
            if (s.isNull()) {
                sum += n;
                continue;
            }
            sum += s.size();
            s.forEach(i -> assertTrue(indices.contains(i.asInt()), "DP attends to kept tokens only: " + i));
        }
        assertEquals(d.get("visual_tokens_attended_mean").asDouble(), sum / steps.size(), 1e-9, "the trace is DP's own count per step");
    }

    @Test
    void withoutTraceKeptTheAnswerCarriesTheKeptMapButNoSteps() throws Exception {
        String id = uploadedClip();
        var ext = Map.<String, Object>of("dycoke", Map.of("compress", "uniform", "ratio", 0.25));
        HttpResponse<String> r = Fixture.post(server.url("/v1/chat/completions"), Fixture.chat("dycoke://video/" + id, "What happens?", 3, ext).toString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode kept = Fixture.json(r).get("dycoke").get("kept");
        assertEquals(Fixture.json(r).get("dycoke").get("visual_tokens_kept").asInt(), kept.get("indices").size());
        assertFalse(kept.has("dp"), kept.toString());
        assertTrue(String.join("", kept.findValuesAsText("fate")).indexOf('m') < 0 && kept.get("fate").toString().contains("d"), "uniform drops");

        var bad = Map.<String, Object>of("dycoke", Map.of("trace_kept", "yes"));
        JsonNode e = ErrorsTest.error(Fixture.post(server.url("/v1/chat/completions"), Fixture.chat("dycoke://video/" + id, "Q", 2, bad).toString()), 400);
        assertEquals("dycoke.trace_kept", e.get("param").asText());
    }

    @Test
    void aTooLargeOrEmptyUploadIsRefused() throws Exception {
        byte[] big = new byte[(int) cap + 1];
        JsonNode e = ErrorsTest.error(upload(big), 413);
        assertTrue(e.get("message").asText().contains(Long.toString(cap)), e.toString());
        ErrorsTest.error(upload(new byte[0]), 400);
        // without a Content-Length (chunked), the cap holds while the body streams in
        HttpResponse<String> chunked = Fixture.HTTP.send(HttpRequest.newBuilder(URI.create(server.url("/v1/dycoke/videos")))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(ErrorsTest.error(chunked, 413).get("message").asText().contains(Long.toString(cap)));
        try (var files = Files.list(server.server().tempDir())) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".part")), "no partial upload is left");
        }
    }

    @Test
    void unknownVideosAre404() throws Exception {
        String unknown = "0".repeat(64);
        ErrorsTest.error(Fixture.get(server.url("/v1/dycoke/videos/" + unknown + "/frames/0")), 404);
        ErrorsTest.error(Fixture.get(server.url("/v1/dycoke/videos/not-an-id/frames/0")), 404);
        ErrorsTest.error(Fixture.get(server.url("/v1/dycoke/videos/..%2F..%2Fetc%2Fpasswd/frames/0")), 404);
        JsonNode e = ErrorsTest.error(Fixture.post(server.url("/v1/chat/completions"),
                Fixture.chat("dycoke://video/" + unknown, "Q", 2, Map.of()).toString()), 404);
        assertEquals("messages[0].content[1].video_url.url", e.get("param").asText());
        e = ErrorsTest.error(Fixture.post(server.url("/v1/chat/completions"),
                Fixture.chat("dycoke://elsewhere/" + unknown, "Q", 2, Map.of()).toString()), 400);
        assertEquals("messages[0].content[1].video_url.url", e.get("param").asText());
    }

    @Test
    void framesAreJpegThumbnailsOfTheSampledFramesAndOutOfRangeIsRefused() throws Exception {
        String id = uploadedClip();
        for (int i : new int[]{0, 7}) {
            HttpResponse<byte[]> r = frame(id, Integer.toString(i), "?frames=8");
            assertEquals(200, r.statusCode());
            assertEquals("image/jpeg", r.headers().firstValue("Content-Type").orElse(""));
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(r.body()));
            assertTrue(img.getWidth() > 0 && Math.max(img.getWidth(), img.getHeight()) <= FrameThumbnails.SIDE, img.toString());
        }
        assertEquals(200, frame(id, "3", "").statusCode(), "the server's default frame count");
        assertEquals(404, frame(id, "8", "?frames=8").statusCode());
        assertEquals(404, frame(id, "8", "").statusCode(), "8 frames by default");
        for (String[] bad : new String[][]{{"-1", ""}, {"x", ""}, {"0", "?frames=0"}, {"0", "?frames=17"}, {"0", "?frames=two"}}) {
            HttpResponse<byte[]> r = frame(id, bad[0], bad[1]);
            assertEquals(400, r.statusCode(), String.join("", bad));
            assertTrue(new String(r.body()).contains("\"error\""));
        }
    }

    @Test
    void localFilesAreListedAndPickedByRelativeNameOnlyWithinTheFolder() throws Exception {
        JsonNode list = Fixture.json(Fixture.get(server.url("/v1/dycoke/local-videos")));
        List<String> names = new ArrayList<>();
        list.get("data").forEach(f -> names.add(f.get("name").asText()));
        assertEquals(List.of("sub/clip.mkv"), names, "no hidden file, no link leading out");

        HttpResponse<String> r = Fixture.post(server.url("/v1/dycoke/local-videos"), "{\"name\":\"sub/clip.mkv\"}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(sha256(clip), Fixture.json(r).get("id").asText());
        assertEquals("dycoke://video/" + sha256(clip), Fixture.json(r).get("url").asText());

        for (String escape : List.of("../outside.mkv", "sub/../../outside.mkv", outside.toString(), "sub/link.mkv", "file:///etc/passwd", "/etc/passwd",
                "sub/..\\..\\outside.mkv")) {
            HttpResponse<String> e = Fixture.post(server.url("/v1/dycoke/local-videos"), Fixture.JSON.createObjectNode().put("name", escape).toString());
            assertTrue(e.statusCode() == 400 || e.statusCode() == 404, escape + ": " + e.body());
            assertFalse(e.body().contains("\"id\""), escape);
        }
        ErrorsTest.error(Fixture.post(server.url("/v1/dycoke/local-videos"), "{\"name\":\"missing.mkv\"}"), 404);
        ErrorsTest.error(Fixture.post(server.url("/v1/dycoke/local-videos"), "{\"path\":\"/etc/passwd\"}"), 400);
        ErrorsTest.error(Fixture.post(server.url("/v1/dycoke/local-videos"), "not json"), 400);
    }

    @Test
    void thePageIsServedWithAPolicyThatAllowsNoInlineScript() throws Exception {
        HttpResponse<String> r = Fixture.get(server.url("/"));
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), csp);
        assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""));
        var scripts = java.util.regex.Pattern.compile("<script\\b([^>]*)>(.*?)</script>", java.util.regex.Pattern.DOTALL).matcher(r.body());
        int n = 0;
        for (; scripts.find(); n++)
            assertTrue(scripts.group(1).contains("src=") && scripts.group(2).isBlank(), "every script is a file: " + scripts.group());
        assertTrue(n > 0, r.body());
        HttpResponse<String> js = Fixture.get(server.url("/app.js"));
        assertEquals(200, js.statusCode());
        assertTrue(js.headers().firstValue("Content-Type").orElse("").contains("javascript"), js.headers().toString());
        assertTrue(js.headers().firstValue("Content-Security-Policy").isPresent());
    }

    @Test
    void theApiAsksForTheKeyButThePageDoesNot() throws Exception {
        ServerConfig c = Fixture.config();
        try (Fixture.Running keyed = Fixture.start(qa, new ServerConfig(c.host(), 0, c.modelName(), "sesame", c.media(), c.maxFrames(), c.maxQueue(),
                c.maxBatch(), c.prefillChunk(), c.defaults()))) {
            assertEquals(200, Fixture.get(keyed.url("/")).statusCode());
            ErrorsTest.error(Fixture.get(keyed.url("/v1/dycoke/methods")), 401);
            ErrorsTest.error(Fixture.get(keyed.url("/v1/dycoke/local-videos")), 401);
            ErrorsTest.error(Fixture.post(keyed.url("/v1/dycoke/videos"), "x"), 401);
            assertEquals(200, Fixture.get(keyed.url("/v1/dycoke/methods"), "Authorization", "Bearer sesame").statusCode());
        }
    }

    @Test
    void fastVReportsTheRowsItKeepsAboveItsLayer() throws Exception {
        String id = uploadedClip();
        // K = 2, the last layer of this 3-layer model: layer 1's attention ranks the rows layer 2 keeps
        var ext = Map.<String, Object>of("dycoke", Map.of("compress", "fastv", "fastv_k", 2, "ratio", 0.5));
        HttpResponse<String> r = Fixture.post(server.url("/v1/chat/completions"), Fixture.chat("dycoke://video/" + id, "What happens?", 2, ext).toString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode d = Fixture.json(r).get("dycoke");
        JsonNode p = d.get("kept").get("prefill");
        assertEquals(1, p.get("layer").asInt(), "the layer whose attention ranks the rows");
        assertEquals(Math.round(d.get("visual_tokens_attended_mean").asDouble()), p.get("kept").size(), d.toString());
        int[] all = new int[d.get("visual_tokens_pooled").asInt()];
        for (int i = 0; i < all.length; i++) all[i] = i;
        int[] idx = new int[d.get("kept").get("indices").size()];
        for (int i = 0; i < idx.length; i++) idx[i] = d.get("kept").get("indices").get(i).asInt();
        assertArrayEquals(all, idx, "FastV keeps every token before the LLM");
    }
}
