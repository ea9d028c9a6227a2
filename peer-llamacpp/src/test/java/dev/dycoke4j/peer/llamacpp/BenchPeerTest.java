package dev.dycoke4j.peer.llamacpp;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.cli.Main;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.BeforeAll;
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
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code dycoke bench --peer llamacpp} end to end on a tiny model, llama.cpp included: node-llama-cpp is installed with
 * npm on first use into a cache under {@code target/} (kept between runs of the tests), the GGUF is written, and both
 * engines generate. Needs {@code node} and {@code npm} (and the npm registry on first use).
 */
@Timeout(600)
class BenchPeerTest {
    /** Outside the temporary folders, so that node-llama-cpp is installed once per build folder, not once per test. */
    static final Path CACHE = Path.of("target", "test-cache").toAbsolutePath();

    @TempDir
    Path tmp;

    @BeforeAll
    static void nodeAndNpm() throws InterruptedException {
        for (String c : new String[] {"node", "npm"}) {
            try {
                NodeLlamaCpp.require(c);
            } catch (IllegalStateException e) {
                fail("this test runs llama.cpp through Node.js, and '" + c + "' is missing: install node (20 or newer) and npm, e.g. 'apt-get install nodejs npm'");
            }
        }
    }

    /** On the oracle's tiny BF16 model: llama.cpp reads its F16 GGUF as the same model, so the first greedy token agrees. */
    @Test
    void benchPeerLlamacppPrintsTheSchema() throws Exception {
        Path model = Oracle.modelBf16();
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.execute(new String[] {"bench", "--peer", "llamacpp", "--model", model.toString(), "--cache", CACHE.toString(),
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
        assertEquals("llamacpp", j.get("peer").asText());
        assertEquals(48, j.get("prompt_tokens").asInt());
        for (String k : new String[] {"prefill_tokens_per_s", "decode_tokens_per_s"}) {
            List<String> engines = new ArrayList<>();
            j.get(k).fieldNames().forEachRemaining(engines::add);
            assertEquals(List.of("dycoke", "llamacpp"), engines, k);
            assertTrue(j.get(k).get("dycoke").asDouble() > 0 && j.get(k).get("llamacpp").asDouble() > 0, k + ": " + j.get(k));
        }
        assertTrue(e.contains("| dycoke / llama.cpp |"), e);
        assertTrue(e.contains(" F16 (node-llama-cpp " + NodeLlamaCpp.VERSION + ")"), e);
        assertTrue(e.lines().anyMatch(l -> l.matches("greedy tokens identical for the first [1-4] of 4")), e);
    }

    @Test
    void q8AgainstQ80WithTheTableOnStandardOutput() throws Exception {
        Path model = TinyModel.write(tmp.resolve("llava"));
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.execute(new String[] {"bench", "--peer", "llamacpp", "--weights", "q8", "--model", model.toString(), "--cache", CACHE.toString(),
                "--prompt-tokens", "16", "--max-new-tokens", "2", "--warmup", "0"}, new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, code, err.toString());
        List<String> lines = out.toString().lines().toList();
        assertEquals("| engine | prompt tokens | prefill tok/s | decode tok/s |", lines.getFirst(), out.toString());
        assertEquals(6, lines.size(), out.toString());
        assertTrue(lines.get(2).startsWith("| dycoke (--weights q8) | 16 |"), out.toString());
        assertTrue(lines.get(3).matches("\\| llama\\.cpp \\S+ Q8_0 \\(node-llama-cpp " + NodeLlamaCpp.VERSION.replace(".", "\\.") + "\\) \\| 16 \\|.*"), out.toString());
        assertTrue(lines.get(4).startsWith("| dycoke / llama.cpp |"), out.toString());
        assertTrue(err.toString().contains("as a GGUF (Q8_0)"), err.toString());
    }
}
