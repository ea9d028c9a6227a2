package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.tensor.OffHeap;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dycoke bench} on the oracle model and clip: table, JSON medians, the files it writes, and bad options. */
class BenchCommandTest {
    @TempDir
    Path tmp;

    String[] args(String... more) {
        var o = Oracle.root();
        String[] base = {"bench", "--model", o.resolve("tiny-llava-ov").toString(), "--video", o.resolve("golden/clip.mkv").toString(),
                "--out", tmp.resolve("out").toString(), "--dp-l", "2", "--fastv-k", "1", "--holitom-k", "2", "--flashvid-layer", "2"};
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    void everyMethodAtEveryFrameCountWithSpeedUpsOverNone() throws Exception {
        Cli r = Cli.run(args("--frames", "8,4", "--repeat", "2", "--max-new-tokens", "4", "--json"));
        assertEquals(0, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out()), runs = root.get("runs");
        long alone = CompressionMethods.all().stream().filter(m -> !m.defaults().needsFrameSignals()).count();
        assertEquals(2 * alone, runs.size(), "every method that runs on the checkpoint alone x 2 frame counts");
        double bound = root.get("decode_bound_tokens_per_s").asDouble();
        assertTrue(root.get("copy_bandwidth_bytes_per_s").asDouble() > 1e8, root.toString());
        assertTrue(root.get("decode_weight_bytes").asLong() > 0);
        assertTrue(root.get("huge_pages").isBoolean(), root.toString());
        JsonNode machine = root.get("machine");
        assertEquals(MachineInfo.cpuModel(), machine.get("cpu").asText());
        assertEquals(Runtime.getRuntime().availableProcessors(), machine.get("logical_cores").asInt());
        assertEquals(dev.dycoke4j.kernel.VectorWidth.bits(), machine.get("vector_bits").asInt());
        assertTrue(machine.get("jdk").asText().startsWith(Runtime.version().toString()), machine.toString());
        // the tests run from a git checkout (a clone in CI): its commit, and whether tracked files differ from it
        assertTrue(machine.get("commit").asText().matches("[0-9a-f]{40}"), machine.toString());
        assertTrue(machine.get("dirty").isBoolean(), machine.toString());
        assertEquals(OffHeap.hugePagesGranted(), root.get("huge_pages").asBoolean(), "whether this process's large blocks got huge pages");
        assertEquals(root.get("copy_bandwidth_bytes_per_s").asDouble() / root.get("decode_weight_bytes").asLong(), bound, 1e-9 * bound);
        for (JsonNode run : runs) {
            for (String k : new String[]{"decode_video", "vision", "project_pool", "prefill", "ttft", "total", "total_vision_cached", "followup_ttft"})
                assertTrue(run.get("seconds").has(k), k + " in " + run);
            // no comparison of two timings here: on a loaded machine a follow-up's TTFT can exceed the first answer's
            for (String k : new String[]{"ttft", "total", "total_vision_cached", "followup_ttft"})
                assertTrue(run.get("seconds").get(k).asDouble() > 0, k + " in " + run);
            assertTrue(run.get("decode_tokens_per_s").asDouble() > 0);
            assertEquals(run.get("decode_tokens_per_s").asDouble() / bound, run.get("decode_fraction_of_bound").asDouble(), 1e-9);
            assertTrue(run.get("kv_bytes").asLong() > 0);
            assertTrue(run.has("peak_rss_bytes"));
            JsonNode gc = run.get("collection_seconds");
            for (String k : List.of("encode_young", "encode_old", "answer_young", "answer_old"))
                assertTrue(gc.get(k).isNumber() && gc.get(k).asDouble() >= 0, k + " in " + gc);
            JsonNode mem = run.get("memory");
            assertEquals(run.get("peak_rss_bytes").asLong(), mem.get("peak_rss_bytes").asLong());
            assertEquals(run.get("kv_bytes").asLong(), mem.get("kv_bytes").asLong());
            long w = mem.get("resident_weight_bytes").asLong(), act = mem.get("activation_bytes").asLong();
            assertTrue(w > root.get("decode_weight_bytes").asLong(), "the vision tower's weights too: " + mem);
            assertTrue(act > 0, mem.toString());
            if (mem.get("peak_rss_bytes").asLong() >= 0)
                assertEquals((double) mem.get("peak_rss_bytes").asLong() / (w + mem.get("kv_bytes").asLong() + act), mem.get("peak_over_sum").asDouble(), 1e-9);
            assertEquals(2, run.get("repeats").asInt());
            assertTrue(run.get("speedup_vs_none").get("total").asDouble() > 0);
        }
        JsonNode none8 = runs.get(0), dycoke8 = runs.get(1), random8 = runs.get(5);
        assertEquals("none", none8.get("method").asText());
        assertEquals(8, none8.get("frames").asInt());
        assertEquals(1.0, none8.get("speedup_vs_none").get("prefill").asDouble());
        assertEquals(68, dycoke8.get("visual_tokens_kept").asInt());
        assertEquals(68, random8.get("visual_tokens_kept").asInt(), "baselines at DyCoke's budget");
        assertTrue(dycoke8.get("kv_bytes").asLong() < none8.get("kv_bytes").asLong());
        assertEquals((double) none8.get("kv_bytes").asLong() / dycoke8.get("kv_bytes").asLong(), dycoke8.get("speedup_vs_none").get("kv_bytes").asDouble(), 1e-9);
        assertEquals(none8.get("seconds").get("vision").asDouble(), dycoke8.get("seconds").get("vision").asDouble(),
                "the video is encoded once per frame count and repeat, for every method");
        JsonNode none4 = runs.get((int) alone);
        assertEquals("none", none4.get("method").asText());
        assertEquals(64, none4.get("visual_tokens").asInt());
        assertEquals(2L * 3 * (none4.get("prompt_tokens").asInt() + 3) * 32 * 4, none4.get("kv_bytes").asLong(), "none at 4 frames: the float cache of prompt + 3 decoded tokens");
    }

    @Test
    void writesTheTableTheJsonAndAChart() throws Exception {
        Cli r = Cli.run(args("--frames", "2", "--repeat", "1", "--max-new-tokens", "2", "--methods", "none,uniform"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith(BenchReport.HEADER), r.out());
        assertTrue(r.out().contains("| none | 2 | 32 -> 32 |"), r.out());
        assertTrue(r.out().contains("| uniform | 2 | 32 -> "), r.out());
        assertTrue(r.out().contains("Decode bound: "), r.out());
        assertTrue(r.out().contains("\nMachine: " + MachineInfo.cpuModel() + ", "), r.out());
        Path out = tmp.resolve("out");
        assertEquals(r.out().strip(), Files.readString(out.resolve("bench.md")).strip());
        assertEquals(2, new ObjectMapper().readTree(out.resolve("bench.json").toFile()).get("runs").size());
        byte[] png = Files.readAllBytes(out.resolve("bench.png"));
        assertArrayEquals(new byte[]{(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4));
        assertTrue(png.length > 2000);
    }

    @Test
    void unknownMethod() {
        Cli r = Cli.run("bench", "--methods", "none,zap");
        assertEquals(2, r.code());
        assertEquals("dycoke: --methods takes none, dycoke, fastv, prumerge, visionzip, random, uniform, frames, vidcom2, evs, holitom, flashvid, fastvid (or one of them but dycoke with +dp); got 'zap'", r.problem());
    }

    @Test
    void badOptions() throws Exception {
        Cli r = Cli.run("bench", "--repeat", "0");
        assertEquals(2, r.code());
        assertEquals("dycoke: --repeat must be at least 1, got 0", r.problem());
        r = Cli.run("bench", "--frames", "8,0");
        assertEquals(2, r.code());
        assertEquals("dycoke: --frames must be at least 1, got 0", r.problem());
        Path file = Files.writeString(tmp.resolve("file"), "x");
        r = Cli.run("bench", "--out", file.toString());
        assertEquals(2, r.code());
        assertEquals("dycoke: " + file + ": --out must be a directory", r.problem());
        r = Cli.run("bench", "--video", "/no/such.mp4");
        assertEquals(2, r.code());
        assertEquals("dycoke: /no/such.mp4: video not found", r.problem());
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

    @Test
    void negativeWarmup() {
        Cli r = Cli.run("bench", "--peer", "jlama", "--warmup", "-1");
        assertEquals(2, r.code());
        assertEquals("dycoke: --warmup must be at least 0, got -1", r.problem());
    }
}
