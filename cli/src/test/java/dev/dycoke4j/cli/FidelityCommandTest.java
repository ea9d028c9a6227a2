package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dycoke fidelity} on the oracle model and clip. */
class FidelityCommandTest {
    static String[] args(String... more) {
        var o = Oracle.root();
        String[] base = {"fidelity", "--model", o.resolve("tiny-llava-ov").toString(), "--video", o.resolve("golden/clip.mkv").toString(),
                "--frames", "8", "--dp-l", "2", "--fastv-k", "1"};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    void everyMethodAtEveryRatio() throws Exception {
        Cli r = Cli.run(args("--steps", "6", "--ratios", "0.25,0.5", "--json"));
        assertEquals(0, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals(6, root.get("reference_tokens").size());
        JsonNode rows = root.get("results");
        assertEquals(12, rows.size(), "6 methods x 2 ratios");
        JsonNode dycoke25 = rows.get(0), dycoke50 = rows.get(1);
        assertEquals("dycoke", dycoke25.get("method").asText());
        assertTrue(dycoke25.get("unreachable").asText().contains("at least 48 tokens (37.5%)"), dycoke25.toString());
        assertTrue(dycoke50.get("visual_tokens_kept").asInt() <= 64);
        for (int i = 1; i < rows.size(); i++) {
            JsonNode row = rows.get(i);
            assertFalse(row.has("unreachable"), row.toString());
            double agree = row.get("agreement").asDouble(), kl = row.get("kl_mean").asDouble();
            assertTrue(agree >= 0 && agree <= 1 && kl >= 0 && kl <= row.get("kl_max").asDouble(), row.toString());
        }
        assertEquals(32, rows.get(4).get("visual_tokens_kept").asInt(), "prumerge at 25% of 128");
    }

    @Test
    void markdownTable() {
        Cli r = Cli.run(args("--steps", "3", "--ratios", "0.5", "--methods", "uniform"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("| uniform | 50% | 128 -> 64 | 64.0 |"), r.out());
    }

    @Test
    void badOptions() {
        assertEquals(2, Cli.run(args("--ratios", "0")).code());
        assertEquals(2, Cli.run(args("--steps", "0")).code());
        Cli r = Cli.run(args("--methods", "zap"));
        assertEquals(2, r.code());
        assertTrue(r.problem().startsWith("dycoke: --methods takes"), r.problem());
        Cli v = Cli.run("fidelity", "--video", "/no/such/clip.mp4");
        assertEquals(2, v.code());
        assertEquals("dycoke: /no/such/clip.mp4: video not found", v.problem());
    }
}
