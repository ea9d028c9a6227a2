package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** dycoke serve: run's answer through the API, on a free loopback port named by the start-up line; usage errors. */
class ServeCommandTest {
    static final Path MODEL = Oracle.model();
    static final Path CLIP = Oracle.root().resolve("golden/clip.mkv");
    static final String Q = "What happens in this video?";
    static final Pattern START = Pattern.compile("dycoke serve: serving tiny at http://127\\.0\\.0\\.1:(\\d+) ");

    @Test
    void servesWhatRunAnswersAndStopsWhenInterrupted() throws Exception {
        Cli ref = Cli.run("run", "--model", MODEL.toString(), "--video", CLIP.toString(), "--frames", "8", "--max-new-tokens", "8",
                "--compress", "dycoke", "--dp-l", "2", "--prompt", Q, "--json");
        assertEquals(0, ref.code(), ref.err());
        JsonNode want = new ObjectMapper().readTree(ref.out());

        StringWriter out = new StringWriter(), err = new StringWriter();
        int[] code = {-1};
        Thread serve = new Thread(() -> code[0] = Main.execute(new String[]{"serve", "--model", MODEL.toString(), "--port", "0",
                "--served-model-name", "tiny", "--api-key", "sekret-key", "--allowed-local-media-path", CLIP.getParent().toString(),
                "--frames", "8", "--max-new-tokens", "8", "--compress", "dycoke", "--dp-l", "2"},
                new PrintWriter(out, true), new PrintWriter(err, true), System.getenv()));
        serve.start();
        int port = awaitPort(err, serve);

        ObjectNode body = new ObjectMapper().createObjectNode();
        body.put("model", "tiny");
        var content = body.putArray("messages").addObject().put("role", "user").putArray("content");
        content.addObject().put("type", "video_url").putObject("video_url").put("url", CLIP.toUri().toString());
        content.addObject().put("type", "text").put("text", Q);
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("Authorization", "Bearer sekret-key").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode got = new ObjectMapper().readTree(r.body());
        assertEquals(want.get("answer").asText(), got.get("choices").get(0).get("message").get("content").asText());
        assertEquals(want.get("token_ids"), got.get("dycoke").get("token_ids"));
        assertEquals(want.get("stats").get("visual_tokens_kept"), got.get("dycoke").get("visual_tokens_kept"));

        serve.interrupt();
        serve.join();
        assertEquals(0, code[0], err.toString());
        String log = err.toString();
        assertTrue(log.lines().anyMatch(l -> l.matches("dycoke serve: request chatcmpl-[0-9a-f]+ \\| frames 8 \\| visual tokens kept "
                + want.get("stats").get("visual_tokens_kept").asInt() + " \\| ttft [0-9.]+s \\| tokens \\d+ \\| status 200")), log);
        assertFalse(log.contains("sekret-key"), "the API key is never logged");
    }

    /** The port the start-up line names, once the server is up. */
    static int awaitPort(StringWriter err, Thread serve) throws InterruptedException {
        for (int i = 0; i < 1200; i++) {
            Matcher m = START.matcher(err.toString());
            if (m.find()) return Integer.parseInt(m.group(1));
            if (!serve.isAlive()) break;
            Thread.sleep(100);
        }
        throw new AssertionError("no start-up line:\n" + err);
    }

    @Test
    void badServerOptionsAreUsageErrors() {
        Cli r = Cli.run("serve", "--model", MODEL.toString(), "--frames", "65");
        assertEquals(2, r.code(), r.err());
        assertEquals("dycoke: --frames 65 is above --max-frames 64", r.problem());
        r = Cli.run("serve", "--model", MODEL.toString(), "--allowed-local-media-path", "/no/such/folder");
        assertEquals(2, r.code(), r.err());
        assertEquals("dycoke: /no/such/folder: --allowed-local-media-path is not a folder", r.problem());
        r = Cli.run("serve", "--model", MODEL.toString(), "--max-batch", "0");
        assertEquals("dycoke: --max-batch must be at least 1, got 0", r.problem());
        r = Cli.run("serve", "--model", MODEL.toString(), "--admission-share", "0");
        assertEquals("dycoke: --admission-share must be a positive number, got 0.0", r.problem());
    }
}
