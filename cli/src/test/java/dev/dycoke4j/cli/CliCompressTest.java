package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --compress through the CLI, on the oracle: the golden DyCoke tokens, the stats keys, and every method running. */
class CliCompressTest {
    static final Path ORACLE = Oracle.root();
    static final String MODEL = ORACLE.resolve("tiny-llava-ov").toString();
    static final String CLIP = ORACLE.resolve("golden/clip.mkv").toString();

    @TempDir
    Path tmp;

    static JsonNode run(String... extra) throws Exception {
        String[] base = {"run", "--model", MODEL, "--video", CLIP, "--prompt", "What happens in this video?", "--frames", "8",
                "--max-new-tokens", "12", "--json"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        Cli r = Cli.run(args);
        assertEquals(0, r.code(), r.err());
        return new ObjectMapper().readTree(r.out());
    }

    static int[] ids(JsonNode j) {
        int[] ids = new int[j.get("token_ids").size()];
        for (int i = 0; i < ids.length; i++) ids[i] = j.get("token_ids").get(i).asInt();
        return ids;
    }

    static int[] golden(String file, String name) {
        try (Safetensors g = Safetensors.open(ORACLE.resolve("golden").resolve(file))) {
            return g.get(name).toIntArray();
        }
    }

    @Test
    void ttmAloneReproducesTheGoldenTokens() throws Exception {
        JsonNode j = run("--compress", "dycoke", "--ttm-k", "0.7", "--dp", "off");
        assertArrayEquals(golden("forward.safetensors", "chat_ttm_k0.7_generated_ids"), ids(j));
        JsonNode st = j.get("stats");
        assertEquals("dycoke", st.get("method").asText());
        assertEquals(128, st.get("visual_tokens_pooled").asInt());
        assertEquals(68, st.get("visual_tokens_kept").asInt());
        assertEquals(68.0, st.get("visual_tokens_attended_mean").asDouble());
        assertEquals(90, st.get("prompt_tokens").asInt());
        assertTrue(st.get("seconds").has("compress"));
        assertEquals(0, st.get("kv_bytes_pruned").asLong());
        assertEquals(2L * 3 * (90 + 11) * 32 * 4, st.get("kv_bytes_active").asLong());
    }

    @ParameterizedTest
    @CsvSource({"official, 1, 0.5", "always, 1, 0.5", "always, 1, 0.8", "official, 2, 0.7"})
    void dycokeWithDpReproducesTheGoldenTokens(String mode, int layer, String p) throws Exception {
        JsonNode j = run("--compress", "dycoke", "--ttm-k", "0.7", "--dp-mode", mode, "--dp-l", String.valueOf(layer), "--dp-p", p);
        String key = "chat_ttm_k0.7_dp_" + mode + "_l" + layer + "_p" + p + "_";
        assertArrayEquals(golden("dp.safetensors", key + "generated_ids"), ids(j));
        int[] attended = golden("dp.safetensors", key + "attended_visual");
        double mean = java.util.Arrays.stream(attended).average().orElseThrow();
        assertEquals(mean, j.get("stats").get("visual_tokens_attended_mean").asDouble(), 1e-9);
    }

    @ParameterizedTest
    @CsvSource({"int8, 80", "bf16, 128"})
    void compactStoreMovesPrunedEntriesOutOfTheFloatCache(String dtype, long compactRowBytes) throws Exception {
        String[] dp = {"--compress", "dycoke", "--dp-mode", "official", "--dp-l", "2", "--dp-p", "0.7"};
        JsonNode full = run(dp).get("stats");
        String[] compact = java.util.Arrays.copyOf(dp, dp.length + 4);
        System.arraycopy(new String[]{"--dp-store", "compact", "--dp-store-dtype", dtype}, 0, compact, dp.length, 4);
        JsonNode j = run(compact), st = j.get("stats");
        assertArrayEquals(golden("dp.safetensors", "chat_ttm_k0.7_dp_official_l2_p0.7_generated_ids"), ids(j));
        // layer 2 keeps int(67·0.3) + 1 = 21 of the 68 visual tokens in float32; the other 47 are compact
        long fullBytes = 2L * 3 * (90 + 11) * 32 * 4;
        assertEquals(fullBytes, full.get("kv_bytes_active").asLong());
        assertEquals(0, full.get("kv_bytes_pruned").asLong());
        assertEquals(fullBytes - 47L * 2 * 32 * 4, st.get("kv_bytes_active").asLong());
        assertEquals(47 * compactRowBytes, st.get("kv_bytes_pruned").asLong());
        assertTrue(st.get("kv_bytes_pruned").asLong() > 0);
        assertTrue(st.get("kv_bytes_active").asLong() < full.get("kv_bytes_active").asLong());
        assertEquals(st.get("kv_bytes_active").asLong() + st.get("kv_bytes_pruned").asLong(), st.get("kv_bytes").asLong());
        assertTrue(st.get("kv_bytes").asLong() < full.get("kv_bytes").asLong());
    }

    @Test
    void flopsFollowThePapersFormula() throws Exception {
        JsonNode none = run().get("stats"), dycoke = run("--compress", "dycoke", "--dp", "off").get("stats");
        double d = 64, m = 128;
        for (var pair : new Object[][]{{none, 150}, {dycoke, 90}}) {
            double n = (int) pair[1];
            assertEquals(3 * (4 * n * d * d + 2 * n * n * d + 2 * n * d * m), ((JsonNode) pair[0]).get("flops_llm").asDouble(), 1e-3);
        }
    }

    @ParameterizedTest
    @CsvSource({"random, 0.5, 64", "uniform, 0.5, 64", "prumerge, 0.25, 32", "visionzip, 0.25, 32", "random, , 68", "uniform, , 68",
            "evs, 0.5, 64", "evs, , 68", "frames, 0.25, 32", "frames, , 64", "vidcom2, 0.5, 64"})
    void baselinesKeepTheirBudget(String method, String ratio, int kept) throws Exception {
        JsonNode j = ratio == null ? run("--compress", method) : run("--compress", method, "--ratio", ratio);
        JsonNode st = j.get("stats");
        assertEquals(kept, st.get("visual_tokens_kept").asInt(), method);
        assertEquals(150 - 128 + kept, st.get("prompt_tokens").asInt());
        assertEquals(12, ids(j).length);
    }

    @Test
    void fastvAtRatioOneIsExactlyNone() throws Exception {
        assertArrayEquals(golden("forward.safetensors", "chat_generated_ids"), ids(run("--compress", "fastv", "--ratio", "1", "--fastv-k", "1")));
    }

    /** FastV's K is the first layer that sees only the kept tokens, as in the official code: layers 1 and 2 here. */
    @Test
    void fastvDropsTokensFromItsLayerOn() throws Exception {
        JsonNode st = run("--compress", "fastv", "--ratio", "0.25", "--fastv-k", "1").get("stats");
        assertEquals(128, st.get("visual_tokens_kept").asInt(), "FastV prunes inside the LLM");
        assertEquals(32.0, st.get("visual_tokens_attended_mean").asDouble());
        // layer 0 holds all 150 + 11 positions, layers 1 and 2 only 150 - 96 + 11
        assertEquals(2L * ((150 + 11) + (150 - 96 + 11) * 2) * 32 * 4, st.get("kv_bytes_active").asLong());
        double d = 64, m = 128, n = 150, n2 = 54;
        double f = (4 * n * d * d + 2 * n * n * d + 2 * n * d * m) + 2 * (4 * n2 * d * d + 2 * n2 * n2 * d + 2 * n2 * d * m);
        assertEquals(f, st.get("flops_llm").asDouble(), 1e-3);
    }

    /** K = layers - 1, the last layer, is FastV's last valid K: that layer alone sees the kept tokens. */
    @Test
    void fastvAtTheLastLayerPrunesThatLayerOnly() throws Exception {
        JsonNode st = run("--compress", "fastv", "--ratio", "0.25", "--fastv-k", "2").get("stats");
        assertEquals(128, st.get("visual_tokens_kept").asInt(), "FastV prunes inside the LLM");
        assertEquals(32.0, st.get("visual_tokens_attended_mean").asDouble());
        // layers 0 and 1 hold all 150 + 11 positions, layer 2 only 150 - 96 + 11
        assertEquals(2L * ((150 + 11) * 2 + (150 - 96 + 11)) * 32 * 4, st.get("kv_bytes_active").asLong());
        double d = 64, m = 128, n = 150, n2 = 54;
        double f = 2 * (4 * n * d * d + 2 * n * n * d + 2 * n * d * m) + (4 * n2 * d * d + 2 * n2 * n2 * d + 2 * n2 * d * m);
        assertEquals(f, st.get("flops_llm").asDouble(), 1e-3);
    }

    /** A K that would leave no layer to prune is refused in one line naming the flag and its range. */
    @Test
    void fastvBeyondTheLastLayerIsRefused() {
        Cli r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--frames", "8", "--compress", "fastv", "--fastv-k", "3");
        assertEquals(1, r.code(), r.err());
        assertEquals("dycoke: --fastv-k 3 is outside 1..2 for this 3-layer model", r.problem());
    }

    @Test
    void traceWritesTheKeptIndices() {
        Path out = tmp.resolve("t.safetensors");
        Cli r = Cli.run("trace", "--model", MODEL, "--video", CLIP, "--prompt", "What happens in this video?", "--frames", "8",
                "--max-new-tokens", "12", "--compress", "dycoke", "--dp", "off", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        try (Safetensors t = Safetensors.open(out); Safetensors g = Safetensors.open(ORACLE.resolve("golden/ttm.safetensors"))) {
            assertArrayEquals(g.get("clip_k0.7_kept_idx").toIntArray(), t.get("kept_indices").toIntArray());
            assertArrayEquals(golden("forward.safetensors", "chat_ttm_k0.7_input_ids"), t.get("input_ids").toIntArray());
        }
    }

    @Test
    void dycokeOnASingleFrame() {
        Cli r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--compress", "dycoke", "--dp-l", "2", "--frames", "1");
        assertEquals(1, r.code());
        assertEquals("dycoke: DyCoke's TTM compares frames in windows, so it needs at least 2 frames; got 1", r.problem());
    }

    @Test
    void badCompressionOptions() {
        Cli r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--compress", "zip");
        assertEquals(2, r.code());
        assertEquals("dycoke: --compress takes none, dycoke, fastv, prumerge, visionzip, random, uniform, frames, vidcom2, evs, holitom, flashvid, fastvid (or one of them but dycoke with +dp); got 'zip'", r.problem());
        r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--compress", "dycoke", "--dp-p", "1.5");
        assertEquals(2, r.code());
        assertEquals("dycoke: --dp-p must be in [0, 1), got 1.5", r.problem());
        r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--compress", "dycoke", "--dp-l", "3", "--frames", "8");
        assertEquals(1, r.code());
        assertEquals("dycoke: --dp-l 3 is outside 1..2 for this 3-layer model", r.problem());
        r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--compress", "random", "--ratio", "0");
        assertEquals(2, r.code());
        assertEquals("dycoke: --ratio must be in (0, 1], got 0.0", r.problem());
        r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--compress", "dycoke", "--dp-store", "fat");
        assertEquals(2, r.code());
        assertEquals("dycoke: --dp-store takes full, compact; got 'fat'", r.problem());
        r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--compress", "dycoke", "--dp-store", "compact", "--dp-store-dtype", "fp8");
        assertEquals(2, r.code());
        assertEquals("dycoke: --dp-store-dtype takes int8, bf16; got 'fp8'", r.problem());
        r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--compress", "dycoke", "--dp-l", "2", "--ratio", "0.3", "--frames", "8");
        assertEquals(1, r.code());
        assertEquals("dycoke: DyCoke's TTM can't keep only 38 of 128 visual tokens at 8 frames: it keeps its reference frames whole, "
                + "at least 48 tokens (37.5%) with --ttm-windows official; use a larger --ratio or --ttm-windows full", r.problem());
    }

    @Test
    void badArenaMethodOptionsGetOneLineEach() {
        Cli r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--compress", "vidcom2", "--ratio", "1.5");
        assertEquals(2, r.code());
        assertEquals("dycoke: --ratio must be in (0, 1], got 1.5", r.problem());
        r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--compress", "evs", "--ratio", "0");
        assertEquals(2, r.code());
        assertEquals("dycoke: --ratio must be in (0, 1], got 0.0", r.problem());
        r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--compress", "frames", "--ttm-windows", "half");
        assertEquals(2, r.code());
        assertEquals("dycoke: --ttm-windows takes official, full; got 'half'", r.problem());
        r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--compress", "vidcom2", "--ttm-k", "1");
        assertEquals(2, r.code());
        assertEquals("dycoke: --ttm-k must be in [0, 1), got 1.0", r.problem());
    }

    /** A flag the chosen method does not take is not used, but a bad value in it is still refused, as before plug-ins. */
    @Test
    void aBadValueInAnotherMethodsFlagIsRefused() {
        Cli r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--compress", "none", "--dp-p", "1.5");
        assertEquals(2, r.code());
        assertEquals("dycoke: --dp-p must be in [0, 1), got 1.5", r.problem());
        r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--compress", "dycoke", "--fastv-k", "0");
        assertEquals(2, r.code());
        assertEquals("dycoke: --fastv-k must be at least 1, got 0", r.problem());
        r = Cli.run("bench", "--model", MODEL, "--video", CLIP, "--frames", "2", "--methods", "none", "--dp-p", "1.5");
        assertEquals(2, r.code(), r.err());
        assertEquals("dycoke: --dp-p must be in [0, 1), got 1.5", r.problem());
    }

    @Test
    void dycokeAtARatioRunsAtThatBudget() throws Exception {
        Cli r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--compress", "dycoke", "--dp-l", "2",
                "--ratio", "0.3", "--ttm-windows", "full", "--max-new-tokens", "3", "--frames", "8", "--json");
        assertEquals(0, r.code(), r.err());
        var stats = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out()).get("stats");
        // full windows at 8 frames: frames 0 and 4 whole (32), 6 compared frames keep 1 each: the most within round(0.3·128) = 38
        assertEquals(38, stats.get("visual_tokens_kept").asInt());
    }

    @Test
    void dpOnJoinsAPreLlmMethod() throws Exception {
        JsonNode plain = run("--compress", "vidcom2", "--ratio", "0.5", "--dp-l", "2").get("stats");
        JsonNode st = run("--compress", "vidcom2", "--ratio", "0.5", "--dp", "on", "--dp-l", "2").get("stats");
        assertEquals("vidcom2", plain.get("method").asText());
        assertEquals("vidcom2+dp", st.get("method").asText());
        assertEquals(plain.get("visual_tokens_kept").asInt(), st.get("visual_tokens_kept").asInt());
        assertEquals(plain.get("visual_tokens_kept").asDouble(), plain.get("visual_tokens_attended_mean").asDouble());
        assertTrue(st.get("visual_tokens_attended_mean").asDouble() < st.get("visual_tokens_kept").asInt(), st.toString());
        JsonNode named = run("--compress", "vidcom2+dp", "--ratio", "0.5", "--dp-l", "2").get("stats");
        for (String k : new String[]{"method", "visual_tokens_kept", "visual_tokens_attended_mean", "prompt_tokens"})
            assertEquals(st.get(k), named.get(k), k + " of vidcom2+dp and of vidcom2 --dp on");
        JsonNode fastv = run("--compress", "fastv", "--ratio", "0.5", "--fastv-k", "1").get("stats");
        JsonNode fastvDp = run("--compress", "fastv", "--ratio", "0.5", "--fastv-k", "1", "--dp", "on", "--dp-l", "2").get("stats");
        assertEquals("fastv+dp", fastvDp.get("method").asText());
        assertEquals(fastv.get("visual_tokens_kept").asInt(), fastvDp.get("visual_tokens_kept").asInt());
        assertEquals(64, fastv.get("visual_tokens_attended_mean").asDouble(), 0, "FastV keeps 64 of 128 above its layer");
        assertTrue(fastvDp.get("visual_tokens_attended_mean").asDouble() < 64, fastvDp.toString());
    }

    @Test
    void aBudgetInFlopsRunsEachMethodAtTheRatioThatMeetsIt() throws Exception {
        JsonNode tokens = run("--compress", "uniform", "--ratio", "0.3").get("stats");
        JsonNode flops = run("--compress", "uniform", "--ratio", "0.3", "--budget", "flops").get("stats");
        assertEquals(38, tokens.get("visual_tokens_kept").asInt(), "round(0.3 · 128)");
        // the oracle's LLM: 3 layers, d = 64, m = 128; the video's positions are the kept tokens and the newline
        java.util.function.IntToDoubleFunction f = k -> dev.dycoke4j.compress.Flops.prefill(3, k + 1, 3, k + 1, 64, 128);
        int k = flops.get("visual_tokens_kept").asInt();
        assertTrue(f.applyAsDouble(k) <= 0.3 * f.applyAsDouble(128) && f.applyAsDouble(k + 1) > 0.3 * f.applyAsDouble(128),
                k + " tokens: the most whose prefill FLOPs stay within 30%");
        Cli r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--frames", "8", "--compress", "dycoke", "--dp-l", "2",
                "--ratio", "0.5", "--budget", "attended");
        assertEquals(1, r.code(), "found on the video, as a layer outside the model is");
        assertTrue(r.problem().matches("dycoke: --ratio dycoke reaches 0\\.\\d+ to 0\\.\\d+ of the visual tokens attended per decode step without "
                + "compression on this video \\(budget attended\\); got 0\\.5"), r.problem());
        r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--compress", "uniform", "--budget", "flops");
        assertEquals(2, r.code());
        assertEquals("dycoke: --budget of flops needs a ratio: the share of prefill FLOPs of the video's positions to keep", r.problem());
    }
}
