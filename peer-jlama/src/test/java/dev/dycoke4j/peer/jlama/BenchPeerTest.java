package dev.dycoke4j.peer.jlama;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code dycoke bench --peer jlama --json} end to end on a tiny model: standard output is exactly the documented JSON
 * and nothing else, the table goes to the error output.
 */
@Timeout(120)
class BenchPeerTest {
    @TempDir
    Path tmp;

    @Test
    void benchPeerJlamaPrintsTheSchema() throws Exception {
        Path model = TinyModel.write(tmp.resolve("llava"));
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.execute(new String[] {"bench", "--peer", "jlama", "--model", model.toString(), "--cache", tmp.resolve("cache").toString(),
                "--prompt-tokens", "48", "--max-new-tokens", "4", "--json"}, new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, code, err.toString());
        String o = out.toString(), e = err.toString();
        // the whole of standard output, parsed as one JSON document: anything before or after it fails
        JsonNode j = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(o);
        assertTrue(j.isObject(), o);
        List<String> keys = new ArrayList<>();
        j.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("peer", "prompt_tokens", "machine", "prefill_tokens_per_s", "decode_tokens_per_s"), keys);
        assertEquals(dev.dycoke4j.kernel.VectorWidth.bits(), j.get("machine").get("vector_bits").asInt(), "the machine the figures belong to");
        assertEquals("jlama", j.get("peer").asText());
        assertEquals(48, j.get("prompt_tokens").asInt());
        for (String k : new String[] {"prefill_tokens_per_s", "decode_tokens_per_s"}) {
            List<String> engines = new ArrayList<>();
            j.get(k).fieldNames().forEachRemaining(engines::add);
            assertEquals(List.of("dycoke", "jlama"), engines, k);
            assertTrue(j.get(k).get("dycoke").asDouble() > 0 && j.get(k).get("jlama").asDouble() > 0, k + ": " + j.get(k));
        }
        assertTrue(e.contains("| dycoke / jlama |"), e);
        assertTrue(e.contains("greedy tokens identical for the first 4 of 4"), e);
    }

    @Test
    void withoutJsonTheTableIsOnStandardOutput() throws Exception {
        Path model = TinyModel.write(tmp.resolve("llava"));
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.execute(new String[] {"bench", "--peer", "jlama", "--model", model.toString(), "--cache", tmp.resolve("cache").toString(),
                "--prompt-tokens", "16", "--max-new-tokens", "2", "--warmup", "0"}, new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, code, err.toString());
        List<String> lines = out.toString().lines().toList();
        assertEquals("| engine | prompt tokens | prefill tok/s | decode tok/s |", lines.getFirst(), out.toString());
        assertEquals(6, lines.size(), out.toString());
        assertTrue(lines.get(4).startsWith("| dycoke / jlama |"), out.toString());
        assertEquals("greedy tokens identical for the first 2 of 2", lines.get(5));
        assertTrue(!err.toString().contains("| dycoke / jlama |"), err.toString());
    }

    @Test
    void aModelWithoutTokenizerIsOneLine() throws Exception {
        Path model = TinyModel.write(tmp.resolve("llava"));
        java.nio.file.Files.delete(model.resolve("tokenizer.json"));
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.execute(new String[] {"bench", "--peer", "jlama", "--model", model.toString(), "--cache", tmp.resolve("cache").toString()},
                new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(1, code);
        assertEquals("dycoke: " + model + ": no tokenizer.json (Jlama needs one)", err.toString().lines().filter(l -> l.startsWith("dycoke: ")).findFirst().orElseThrow());
        assertTrue(!err.toString().contains("\tat "), err.toString());
    }
}
