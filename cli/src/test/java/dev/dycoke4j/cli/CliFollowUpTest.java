package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.cache.DiskTier;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Several questions about one video: run --prompt A --prompt B, chat from piped stdin, the disk cache, bench's follow-up TTFT. */
class CliFollowUpTest {
    static final Path MODEL = Oracle.root().resolve("tiny-llava-ov");
    static final Path CLIP = Oracle.root().resolve("golden/clip.mkv");
    static final String A = "What happens in this video?", B = "What colour is the ball?";

    @TempDir
    Path tmp;

    static List<String> args(String... extra) {
        List<String> a = new ArrayList<>(List.of("--model", MODEL.toString(), "--video", CLIP.toString(), "--frames", "8", "--max-new-tokens", "8"));
        a.addAll(List.of(extra));
        return a;
    }

    static Cli run(String... extra) {
        List<String> a = new ArrayList<>(List.of("run"));
        a.addAll(args(extra));
        return Cli.run(a.toArray(String[]::new));
    }

    static JsonNode json(Cli r) throws Exception {
        assertEquals(0, r.code(), r.err());
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void severalPromptsGiveWhatSeparateRunsGive() throws Exception {
        for (String[] method : new String[][]{{"--compress", "none"}, {"--compress", "dycoke", "--dp-l", "2"}, {"--compress", "fastv", "--fastv-k", "1"}}) {
            JsonNode both = json(run(concat(method, "--prompt", A, "--prompt", B, "--json")));
            JsonNode answers = both.get("answers");
            assertEquals(2, answers.size());
            String[] prompts = {A, B};
            for (int i = 0; i < 2; i++) {
                JsonNode alone = json(run(concat(method, "--prompt", prompts[i], "--json")));
                assertTrue(alone.has("answer") && alone.has("token_ids") && alone.has("stats"), "one prompt keeps the single-answer shape");
                assertEquals(alone.get("token_ids"), answers.get(i).get("token_ids"), method[1] + " " + prompts[i]);
                assertEquals(alone.get("answer"), answers.get(i).get("answer"));
            }
            JsonNode second = answers.get(1).get("stats");
            assertTrue(second.get("vision_cached").asBoolean());
            assertEquals(method[1].equals("fastv"), second.get("prefix_cached_tokens").asInt() == 0, method[1]);
            assertEquals(0, answers.get(0).get("stats").get("prefix_cached_tokens").asInt());
            assertTrue(second.get("seconds").get("ttft").asDouble() > 0);
        }
    }

    @Test
    void severalPromptsInTextModeLabelEachAnswer() {
        Cli r = run("--prompt", A, "--prompt", B);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("> " + A + "\n"), r.out());
        assertTrue(r.out().contains("\n> " + B + "\n"), r.out());
        assertEquals(2, r.err().lines().filter(l -> l.startsWith("none | frames 8")).count(), r.err());
        assertTrue(r.err().contains("| vision cached | prefix "), r.err());
    }

    static Cli chat(String stdin, String... extra) {
        List<String> a = new ArrayList<>(List.of("chat"));
        a.addAll(args(extra));
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.execute(a.toArray(String[]::new), new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintWriter(out, true), new PrintWriter(err, true));
        return new Cli(code, out.toString(), err.toString());
    }

    @Test
    void chatAnswersEachLineUntilExit() throws Exception {
        String a = json(run("--prompt", A, "--json")).get("answer").asText();
        String b = json(run("--prompt", B, "--json")).get("answer").asText();
        Cli r = chat(A + "\n" + B + "\n/exit\n" + A + "\n");
        assertEquals(0, r.code(), r.err());
        assertEquals(a + "\n" + b + "\n", r.out());
        assertEquals(2, r.err().lines().filter(l -> l.startsWith("none | frames 8")).count(), r.err());
        assertTrue(r.err().contains("dycoke chat: 8 frames, 128 visual tokens"), r.err());

        Cli empty = chat(B + "\n\n" + A + "\n");
        assertEquals(b + "\n", empty.out(), "an empty line quits");
        Cli eof = chat(B);
        assertEquals(0, eof.code(), eof.err());
        assertEquals(b + "\n", eof.out(), "end of input quits, a last line without a newline is still asked");
        Cli none = chat("");
        assertEquals(0, none.code(), none.err());
        assertEquals("", none.out());
    }

    @Test
    void chatWithoutAVideoIsAUsageError() {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.execute(new String[]{"chat", "--model", MODEL.toString(), "--video", tmp.resolve("missing.mp4").toString()},
                new ByteArrayInputStream(new byte[0]), new PrintWriter(out, true), new PrintWriter(err, true));
        Cli r = new Cli(code, out.toString(), err.toString());
        assertEquals(2, r.code());
        assertEquals("dycoke: " + tmp.resolve("missing.mp4") + ": video not found", r.problem());
    }

    @Test
    void theDiskCacheServesALaterProcess() throws Exception {
        Path dir = tmp.resolve("cache");
        JsonNode first = json(run("--prompt", A, "--json", "--cache-dir", dir.toString()));
        assertFalse(first.get("stats").get("vision_cached").asBoolean());
        JsonNode again = json(run("--prompt", A, "--json", "--cache-dir", dir.toString()));
        assertTrue(again.get("stats").get("vision_cached").asBoolean());
        assertTrue(again.get("stats").get("prefix_cached_tokens").asInt() > 0);
        assertEquals(first.get("token_ids"), again.get("token_ids"));

        // an entry whose file is sound (checksum and all) but which no longer decodes: a miss, reported with --verbose
        List<Path> vision;
        try (var s = Files.list(dir.resolve("vision"))) {
            vision = s.filter(p -> p.toString().endsWith(".dyc")).toList();
        }
        assertEquals(1, vision.size(), vision.toString());
        String key = vision.getFirst().getFileName().toString().replace(".dyc", "");
        new DiskTier(dir.resolve("vision"), CacheOptions.DISK_VISION_BYTES).put(key, "not vision features".getBytes(StandardCharsets.US_ASCII));
        Cli damaged = run("--prompt", A, "--json", "--cache-dir", dir.toString(), "--verbose");
        assertEquals(0, damaged.code(), damaged.err());
        JsonNode recomputed = json(damaged);
        assertFalse(recomputed.get("stats").get("vision_cached").asBoolean());
        assertEquals(first.get("token_ids"), recomputed.get("token_ids"));
        List<String> warnings = damaged.err().lines().filter(l -> l.startsWith("dycoke: warning: ")).toList();
        assertEquals(1, warnings.size(), damaged.err());
        assertTrue(warnings.getFirst().contains("cache entry " + key) && warnings.getFirst().contains("does not decode"), warnings.getFirst());

        Path file = Files.writeString(tmp.resolve("file"), "x");
        Cli bad = run("--prompt", A, "--cache-dir", file.toString());
        assertEquals(2, bad.code());
        assertEquals("dycoke: " + file + ": --cache-dir is not a directory", bad.problem());
    }

    static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
