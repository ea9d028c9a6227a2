package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dycoke bench} on the oracle model and clip: a table row and JSON medians per frame count. */
class BenchCommandTest {
    @Test
    void benchReportsMediansPerFrameCount() throws Exception {
        var o = Cli.oracle();
        Cli r = Cli.run("bench", "--model", o.resolve("tiny-llava-ov").toString(), "--video", o.resolve("golden/clip.mkv").toString(),
                "--frames", "2,4", "--repeat", "2", "--max-new-tokens", "5", "--methods", "none", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("| none | 2 | 32 -> 32 |"), r.out());
        assertTrue(r.out().contains("| none | 4 | 64 -> 64 |"), r.out());
        String json = r.out().substring(r.out().indexOf('{'));
        JsonNode runs = new ObjectMapper().readTree(json).get("runs");
        assertEquals(2, runs.size());
        assertEquals(4, runs.get(1).get("frames").asInt());
        assertEquals(64, runs.get(1).get("visual_tokens").asInt());
        assertTrue(runs.get(1).get("seconds").get("ttft").asDouble() > 0);
        assertTrue(runs.get(1).get("decode_tokens_per_s").asDouble() > 0);
        assertEquals(2L * 3 * (runs.get(1).get("prompt_tokens").asInt() + 4) * 32 * 4, runs.get(1).get("kv_bytes").asLong());
    }

    @Test
    void benchComparesMethodsInOneRun() throws Exception {
        var o = Cli.oracle();
        Cli r = Cli.run("bench", "--model", o.resolve("tiny-llava-ov").toString(), "--video", o.resolve("golden/clip.mkv").toString(),
                "--frames", "8", "--repeat", "1", "--max-new-tokens", "4", "--methods", "none,dycoke,fastv,random", "--dp-l", "2", "--fastv-k", "1", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode runs = new ObjectMapper().readTree(r.out().substring(r.out().indexOf('{'))).get("runs");
        assertEquals(4, runs.size());
        assertEquals("dycoke", runs.get(1).get("method").asText());
        assertEquals(68, runs.get(1).get("visual_tokens_kept").asInt());
        assertEquals(68, runs.get(3).get("visual_tokens_kept").asInt(), "random runs at DyCoke's budget");
        assertTrue(runs.get(1).get("kv_bytes").asLong() < runs.get(0).get("kv_bytes").asLong());
        assertTrue(runs.get(2).get("flops_llm").asDouble() < runs.get(0).get("flops_llm").asDouble());
    }

    @Test
    void unknownMethod() {
        Cli r = Cli.run("bench", "--methods", "none,zap");
        assertEquals(2, r.code());
        assertEquals("dycoke: --methods takes none, dycoke, fastv, prumerge, visionzip, random, uniform; got 'zap'", r.problem());
    }

    @Test
    void repeatZeroIsAUsageError() {
        Cli r = Cli.run("bench", "--repeat", "0");
        assertEquals(2, r.code());
        assertEquals("dycoke: --repeat must be at least 1, got 0", r.problem());
    }

    @Test
    void peerNotOnTheClassPath() {
        Cli r = Cli.run("bench", "--peer", "jlama");
        assertEquals(2, r.code());
        assertEquals("dycoke: --peer jlama: no such peer benchmark on the class path (none is; build the peer-jlama module, e.g. with ./dycoke, which puts it there)", r.problem());
    }

    @Test
    void promptTokensTooFew() {
        Cli r = Cli.run("bench", "--peer", "jlama", "--prompt-tokens", "1");
        assertEquals(2, r.code());
        assertEquals("dycoke: --prompt-tokens must be at least 2, got 1", r.problem());
    }
}
