package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --weights as-stored|q8}, {@code --weights-cache} and {@code --kv-cache f32|bf16} on run, trace, bench, demo and fidelity. */
class WeightOptionsTest {
    static final Path ORACLE = Oracle.root();
    static final Path MODEL = ORACLE.resolve("tiny-llava-ov");
    static final Path CLIP = ORACLE.resolve("golden/clip.mkv");

    @TempDir
    Path tmp;

    static String[] run(Path model, String... more) {
        String[] base = {"run", "--model", model.toString(), "--video", CLIP.toString(), "--prompt", "What happens in this video?",
                "--frames", "8", "--max-new-tokens", "12", "--json"};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    static int[] tokens(Cli r) throws IOException {
        assertEquals(0, r.code(), r.err());
        JsonNode ids = new ObjectMapper().readTree(r.out()).get("token_ids");
        int[] t = new int[ids.size()];
        for (int i = 0; i < t.length; i++) t[i] = ids.get(i).asInt();
        return t;
    }

    @Test
    void q8AnswersWithTheSameGreedyTokensOnTheOracle() throws IOException {
        assertArrayEquals(tokens(Cli.run(run(MODEL))), tokens(Cli.run(run(MODEL, "--weights", "q8"))));
        assertArrayEquals(tokens(Cli.run(run(MODEL))), tokens(Cli.run(run(MODEL, "--weights", "as-stored"))));
    }

    @Test
    void theCacheIsWrittenOnceThenRead() throws IOException {
        Path model = tmp.resolve("model");
        Files.createDirectories(model);
        try (Stream<Path> s = Files.list(MODEL)) {
            for (Path p : s.toList()) Files.copy(p, model.resolve(p.getFileName()));
        }
        Cli first = Cli.run(run(model, "--weights", "q8", "--weights-cache"));
        int[] t1 = tokens(first);
        Path file = model.resolve(".dycoke/weights-q8.safetensors");
        assertTrue(first.err().contains("dycoke: wrote the q8 weights cache " + file), first.err());
        assertTrue(Files.isRegularFile(file));
        Cli second = Cli.run(run(model, "--weights", "q8", "--weights-cache"));
        assertArrayEquals(t1, tokens(second));
        assertFalse(second.err().contains("q8 weights cache"), second.err());
        Files.write(file, new byte[] {1, 2, 3});
        Cli third = Cli.run(run(model, "--weights", "q8", "--weights-cache"));
        assertArrayEquals(t1, tokens(third));
        assertTrue(third.err().contains("dycoke: ignoring the q8 weights cache: " + file + ": file is truncated"), third.err());
    }

    @Test
    void fidelityMeasuresQ8AgainstAsStored() throws IOException {
        Cli r = Cli.run("fidelity", "--model", MODEL.toString(), "--video", CLIP.toString(), "--frames", "8", "--steps", "6",
                "--methods", "none", "--weights", "q8", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals("q8", root.get("weights").asText());
        JsonNode rows = root.get("results");
        assertEquals(1, rows.size(), "none: one row whatever the ratios");
        JsonNode none = rows.get(0);
        assertEquals(1.0, none.get("agreement").asDouble(), none.toString());
        double kl = none.get("kl_mean").asDouble();
        assertTrue(kl > 0 && kl < 1e-3, none.toString()); // the int8 weights move the distributions, a little
        Cli same = Cli.run("fidelity", "--model", MODEL.toString(), "--video", CLIP.toString(), "--frames", "8", "--steps", "3",
                "--methods", "none", "--json");
        assertEquals(0.0, new ObjectMapper().readTree(same.out()).get("results").get(0).get("kl_mean").asDouble(), same.err());
    }

    @Test
    void aBf16KvCacheAnswersOnHalfTheKvBytes() throws IOException {
        Cli f32 = Cli.run(run(MODEL)), bf16 = Cli.run(run(MODEL, "--kv-cache", "bf16"));
        assertArrayEquals(tokens(f32), tokens(bf16), "the oracle's greedy answer survives the rounding of its keys and values");
        long a = new ObjectMapper().readTree(f32.out()).get("stats").get("kv_bytes").asLong();
        long b = new ObjectMapper().readTree(bf16.out()).get("stats").get("kv_bytes").asLong();
        assertTrue(a > 0, f32.out());
        assertEquals(a / 2, b, bf16.out());
        Cli r = Cli.run("fidelity", "--model", MODEL.toString(), "--video", CLIP.toString(), "--frames", "8", "--steps", "6",
                "--methods", "none", "--kv-cache", "bf16", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals("bf16", root.get("kv_cache").asText());
        JsonNode none = root.get("results").get(0);
        assertEquals(1.0, none.get("agreement").asDouble(), none.toString());
        double kl = none.get("kl_mean").asDouble();
        assertTrue(kl > 0 && kl < 1e-3, none.toString()); // bf16 keys and values move the distributions, a little
    }

    @Test
    void badValuesGetOneLineAndExit2() {
        String want = "dycoke: --weights takes as-stored or q8; got 'q4'";
        Cli r = Cli.run(run(MODEL, "--weights", "q4"));
        assertEquals(2, r.code(), r.err());
        assertEquals(want, r.problem());
        Cli t = Cli.run("trace", "--model", MODEL.toString(), "--video", CLIP.toString(), "--prompt", "x", "--out", tmp.resolve("t.safetensors").toString(), "--weights", "q4");
        assertEquals(2, t.code(), t.err());
        assertEquals(want, t.problem());
        for (String cmd : new String[] {"bench", "demo", "fidelity"}) {
            Cli c = Cli.run(cmd, "--cache", tmp.resolve("nothing-built").toString(), "--weights", "q4");
            assertEquals(2, c.code(), cmd + ": " + c.err());
            assertEquals(want, c.problem(), cmd);
        }
        assertFalse(Files.exists(tmp.resolve("nothing-built")), "rejected before anything is built");
        Cli c = Cli.run(run(MODEL, "--weights-cache"));
        assertEquals(2, c.code(), c.err());
        assertEquals("dycoke: --weights-cache needs --weights q8", c.problem());
        for (String cmd : new String[] {"bench", "demo", "fidelity"}) {
            Cli k = Cli.run(cmd, "--cache", tmp.resolve("nothing-built").toString(), "--kv-cache", "f16");
            assertEquals(2, k.code(), cmd + ": " + k.err());
            assertEquals("dycoke: --kv-cache takes f32 or bf16; got 'f16'", k.problem(), cmd);
        }
        assertFalse(Files.exists(tmp.resolve("nothing-built")), "rejected before anything is built");
    }
}
