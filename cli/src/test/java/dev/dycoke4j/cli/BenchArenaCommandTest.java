package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.pipeline.Fidelity;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VisionOptions;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.video.VideoReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code dycoke bench arena} on the oracle model and clip: a grid of 3 methods (none, dycoke, vidcom2 with DP) by 2
 * ratios by 2 budgets, its JSON, table, plots, and resuming from its JSON Lines.
 */
class BenchArenaCommandTest {
    static final Path MODEL = Oracle.root().resolve("tiny-llava-ov");
    static final Path CLIP = Oracle.root().resolve("golden/clip.mkv");
    static final List<String> METHODS = List.of("none", "dycoke", "vidcom2+dp");
    static final double[] RATIOS = {0.1, 0.5};
    static final List<String> BUDGETS = List.of("tokens", "flops");
    /** JSON that must be the whole of stdout: one document and nothing after it. */
    static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    @TempDir
    Path tmp;

    /** The grid of {@code methods} at 10% and 50% under {@code budgets}, into {@code out}. */
    static String[] grid(Path out, String methods, String budgets, String... more) {
        String[] base = {"bench", "arena", "--model", MODEL.toString(), "--video", CLIP.toString(), "--frames", "8", "--dp-l", "2",
                "--methods", methods, "--ratios", "0.1,0.5", "--budgets", budgets, "--out", out.toString()};
        String[] all = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    static String[] args(Path out, String... more) {
        String[] steps = Arrays.copyOf(new String[]{"--steps", "4"}, 2 + more.length);
        System.arraycopy(more, 0, steps, 2, more.length);
        return grid(out, String.join(",", METHODS), String.join(",", BUDGETS), steps);
    }

    static JsonNode json(String[] args) throws Exception {
        Cli r = Cli.run(args);
        assertEquals(0, r.code(), r.err());
        return STRICT.readTree(r.out()); // --json: nothing but the document on stdout
    }

    static JsonNode cell(JsonNode cells, String method, double ratio, String budget) {
        JsonNode found = null;
        for (JsonNode c : cells)
            if (c.get("method").asText().equals(method) && c.get("ratio").asDouble() == ratio && c.get("budget").asText().equals(budget)) {
                assertTrue(found == null, "one cell for " + method + " " + ratio + " " + budget);
                found = c;
            }
        assertNotNull(found, "a cell for " + method + " " + ratio + " " + budget);
        return found;
    }

    static long lines(Path file) throws Exception {
        return Files.readAllLines(file).stream().filter(l -> !l.isBlank()).count();
    }

    @Test
    void theGridHasEveryCellAndASecondRunComputesNothing() throws Exception {
        Path out = tmp.resolve("arena");
        JsonNode root = json(args(out, "--json"));
        assertEquals(8, root.get("frames").asInt());
        assertEquals(0, root.get("reused").asInt());
        JsonNode cells = root.get("cells");
        assertEquals(METHODS.size() * RATIOS.length * BUDGETS.size(), cells.size());
        Set<String> resolved = new HashSet<>();
        int unreachable = 0;
        for (String m : METHODS)
            for (double r : RATIOS)
                for (String b : BUDGETS) {
                    JsonNode c = cell(cells, m, r, b);
                    String what = m + " " + r + " " + b;
                    assertEquals(MachineInfo.cpuModel(), c.path("machine").path("cpu").asText(), what + ": the machine it was measured on");
                    if (c.has("unreachable")) {
                        unreachable++;
                        JsonNode reach = c.get("reachable");
                        assertTrue(reach.get("least").asDouble() > r, what + ": the range starts above the ratio asked");
                        assertTrue(reach.get("most").asDouble() >= reach.get("least").asDouble(), what);
                        assertFalse(c.get("unreachable").asText().isBlank(), what);
                        continue;
                    }
                    resolved.add(c.get("resolved").asText());
                    assertTrue(c.get("kl_mean").asDouble() >= 0, what);
                    assertTrue(c.get("kl_max").asDouble() >= c.get("kl_mean").asDouble(), what);
                    double agreement = c.get("agreement").asDouble();
                    assertTrue(agreement >= 0 && agreement <= 1, what);
                    for (String k : List.of("tokens", "attended", "flops", "kv")) assertTrue(c.get("reached").get(k).asDouble() > 0, what + " " + k);
                    for (String k : List.of("resolve", "compress", "prefill", "decode")) assertTrue(c.get("seconds").get(k).asDouble() >= 0, what + " " + k);
                    // a tokens budget is the method's own ratio, with its own rounding (VidCom2 keeps 33 where 32 were asked)
                    if (!m.equals("none") && !b.equals("tokens")) assertTrue(c.get("reached").get(b).asDouble() <= r * (1 + 1e-9), what + ": within its budget");
                    if (m.equals("none")) {
                        assertEquals(1.0, agreement, what);
                        assertEquals(0.0, c.get("kl_mean").asDouble(), 1e-9, what); // float reductions may order sums differently
                        for (String k : List.of("tokens", "attended", "flops", "kv")) assertEquals(1.0, c.get("reached").get(k).asDouble(), 1e-12, what);
                    }
                }
        assertTrue(unreachable > 0, "dycoke's TTM can't keep 10% of the tokens at 8 frames");
        assertEquals(resolved.size(), root.get("computed").asInt(), "cells resolving to the same compression measured once (none once for its 4 cells)");

        Path jsonl = out.resolve("arena.jsonl");
        assertEquals(cells.size(), lines(jsonl), "a line per cell");
        List<String> md = Files.readAllLines(out.resolve("arena.md"));
        for (String b : BUDGETS) {
            int at = md.indexOf(md.stream().filter(l -> l.startsWith("### Budget `" + b + "`")).findFirst().orElseThrow());
            List<String> rows = md.subList(at, md.size()).stream().filter(l -> l.startsWith("| ") && !l.startsWith("| method")).limit(METHODS.size()).toList();
            for (int i = 0; i < METHODS.size(); i++) {
                String[] parts = rows.get(i).split("\\|");
                assertEquals(METHODS.get(i), parts[1].strip());
                for (int j = 0; j < RATIOS.length; j++) assertFalse(parts[2 + j].isBlank(), rows.get(i) + ": every cell filled");
            }
        }
        for (String b : BUDGETS) {
            BufferedImage png = ImageIO.read(out.resolve("arena-" + b + ".png").toFile());
            assertNotNull(png, b);
            assertTrue(png.getWidth() > 0 && png.getHeight() > 0, b);
        }

        JsonNode again = json(args(out, "--json"));
        assertEquals(0, again.get("computed").asInt(), "every cell was in arena.jsonl");
        assertEquals(cells.size(), again.get("reused").asInt());
        assertEquals(cells.size(), lines(jsonl), "nothing appended");
        assertEquals(cells, again.get("cells"));
    }

    @Test
    void anInterruptedGridResumesWithTheCellsLeft() throws Exception {
        Path out = tmp.resolve("arena");
        String[] one = grid(out, "none,vidcom2+dp", "tokens", "--steps", "4", "--json");
        JsonNode first = json(one);
        Path jsonl = out.resolve("arena.jsonl");
        List<String> kept = Files.readAllLines(jsonl).subList(0, 2);
        List<String> cut = new ArrayList<>(kept);
        cut.add(Files.readAllLines(jsonl).get(2).substring(0, 20)); // a line cut short by the interruption
        Files.writeString(jsonl, String.join("\n", cut));
        JsonNode resumed = json(one);
        assertEquals(2, resumed.get("reused").asInt());
        assertEquals(2, resumed.get("computed").asInt(), "vidcom2+dp at both ratios; none's cell was kept");
        assertEquals(4, Files.readAllLines(jsonl).stream().filter(l -> l.startsWith("{\"setup\"") && l.endsWith("}")).count());
        for (int i = 0; i < 4; i++) {
            JsonNode a = first.get("cells").get(i), b = resumed.get("cells").get(i);
            for (String k : List.of("method", "ratio", "budget", "resolved", "agreement")) assertEquals(a.get(k), b.get(k), k);
            FidelityCommandTest.sameKl(a.get("kl_mean").asDouble(), b.get("kl_mean").asDouble(), "cell " + i);
        }
    }

    @Test
    void aCellIsWhatFidelityMeasures() throws Exception {
        JsonNode c = cell(json(grid(tmp.resolve("arena"), "vidcom2+dp", "tokens", "--steps", "4", "--json")).get("cells"),
                "vidcom2+dp", 0.5, "tokens");
        try (VideoQa qa = VideoQa.load(MODEL)) {
            Fidelity fid = Fidelity.of(qa, VideoReader.readUniform(CLIP, 8).frames(), VisionOptions.of(8), "What happens in this video?", 4);
            Fidelity.Result want = fid.measure(CompressionMethods.parse("vidcom2+dp", Map.of("ratio", "0.5", "dp_l", "2")));
            assertEquals(want.agreement(), c.get("agreement").asDouble());
            FidelityCommandTest.sameKl(want.meanKl(), c.get("kl_mean").asDouble(), "mean KL");
            assertEquals(want.visualKept(), c.get("visual_tokens_kept").asInt());
            assertEquals(want.visualAttended(), c.get("visual_tokens_attended_mean").asDouble());
        }
    }

    @Test
    void aGridOfAnotherSetupIsNotMixedIn() throws Exception {
        Path out = tmp.resolve("arena");
        json(grid(out, "none", "tokens", "--steps", "4", "--json"));
        Cli r = Cli.run(grid(out, "none", "tokens", "--steps", "3"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.problem().startsWith("dycoke: " + out.resolve("arena.jsonl") + " holds cells of another grid ("), r.problem());
    }

    @Test
    void badOptionsAreOneLineEach() {
        Cli r = Cli.run(args(tmp.resolve("a"), "--budgets", "time"));
        assertEquals(2, r.code(), r.err());
        assertEquals("dycoke: --budgets takes tokens, attended, flops, kv; got 'time'", r.problem());
        Cli dp = Cli.run(grid(tmp.resolve("a"), "dycoke+dp", "tokens"));
        assertEquals(2, dp.code(), dp.err());
        assertTrue(dp.problem().startsWith("dycoke: --methods takes "), dp.problem());
        Cli perCell = Cli.run(args(tmp.resolve("a"), "--dp", "on"));
        assertEquals(2, perCell.code(), perCell.err());
        assertEquals("dycoke: --dp is set per cell by the grid: use --methods (NAME or NAME+dp), --ratios and --budgets", perCell.problem());
    }

    @Test
    void theDefaultMethodsAreEveryMethodAndItsDpCombination() {
        List<String> names = BenchArenaCommand.defaultMethods(false);
        assertEquals("none", names.getFirst());
        assertTrue(names.containsAll(List.of("dycoke", "fastv", "fastv+dp", "holitom+dp", "flashvid+dp", "vidcom2", "vidcom2+dp", "random+dp", "frames+dp")),
                names.toString());
        assertFalse(names.contains("none+dp"), "none takes no ratio");
        assertFalse(names.contains("dycoke+dp"), "dycoke has DP of its own");
        assertFalse(names.contains("fastvid"), "fastvid needs the pooling head: not without one");
        List<String> withHead = BenchArenaCommand.defaultMethods(true);
        assertTrue(withHead.containsAll(List.of("fastvid", "fastvid+dp")), withHead.toString());
        assertEquals(names, withHead.stream().filter(n -> !n.startsWith("fastvid")).toList(), "the same grid besides");
    }
}
