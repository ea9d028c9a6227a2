package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dycoke4j.compress.FlashVid;
import dev.dycoke4j.compress.TorchUniform;
import dev.dycoke4j.compress.VisualTokens;
import dev.dycoke4j.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static dev.dycoke4j.cli.CliCompressTest.CLIP;
import static dev.dycoke4j.cli.CliCompressTest.MODEL;
import static dev.dycoke4j.cli.CliCompressTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code --compress flashvid} through the CLI on the oracle: what each stage keeps, the costs, and bad options. */
class CliFlashVidTest {
    @TempDir
    Path tmp;

    @Test
    void flashvidKeepsItsVisionBudgetThenPrunesAtItsLayer() throws Exception {
        JsonNode st = run("--compress", "flashvid", "--flashvid-layer", "2").get("stats");
        // 8 frames of 16 at the paper's 25 %: ceil(16·0.25·1.25) = 5 per frame before the LLM, ceil(0.3·40) = 12 from layer 2
        assertEquals("flashvid", st.get("method").asText());
        assertEquals(40, st.get("visual_tokens_kept").asInt());
        assertEquals(12.0, st.get("visual_tokens_attended_mean").asDouble());
        int n = 150 - 128 + 40, n2 = n - 40 + 12;
        assertEquals(n, st.get("prompt_tokens").asInt());
        // layers 0 and 1 hold every prompt position and the 11 generated; layer 2 the kept ones
        assertEquals(2L * ((n + 11) * 2 + (n2 + 11)) * 32 * 4, st.get("kv_bytes_active").asLong());
        double d = 64, m = 128;
        double f = 2 * (4.0 * n * d * d + 2.0 * n * n * d + 2.0 * n * d * m) + (4.0 * n2 * d * d + 2.0 * n2 * n2 * d + 2.0 * n2 * d * m);
        assertEquals(f, st.get("flops_llm").asDouble(), 1e-3);
    }

    @Test
    void traceWritesWhatTheVisionSideKept() {
        Path out = tmp.resolve("t.safetensors");
        Cli r = Cli.run("trace", "--model", MODEL, "--video", CLIP, "--prompt", "What happens in this video?", "--frames", "8",
                "--max-new-tokens", "4", "--compress", "flashvid", "--ratio", "0.5", "--flashvid-layer", "1", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        try (Safetensors t = Safetensors.open(out)) {
            VisualTokens pooled = VisualTokens.pooled(t.get("pooled").toFloatArray(), 8, 16, 64, t.get("saliency").toFloatArray());
            int[] kept = new FlashVid(FlashVid.Config.paper(0.5)).run(pooled, new TorchUniform(0)::next).tokens().sourceIndex();
            assertArrayEquals(kept, t.get("kept_indices").toIntArray());
            assertEquals(8 * 10, kept.length, "ceil(16·0.5·1.25) per frame");
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "2 | --compress flashvid --ratio 0.9 | dycoke: --ratio must be at most 0.8 for flashvid, whose vision side keeps 1.25 times it; got 0.9",
            "2 | --compress flashvid --ratio 0 | dycoke: --ratio must be in (0, 1], got 0.0",
            "2 | --compress flashvid --flashvid-layer 0 | dycoke: --flashvid-layer must be at least 1, got 0",
            "2 | --compress none --flashvid-layer -1 | dycoke: --flashvid-layer must be at least 1, got -1",
            "1 | --compress flashvid | dycoke: --flashvid-layer 20 is outside 1..2 for this 3-layer model",
            "1 | --compress flashvid --flashvid-layer 3 | dycoke: --flashvid-layer 3 is outside 1..2 for this 3-layer model"})
    void badFlashVidOptionsGetOneLineEach(int code, String flags, String problem) {
        String[] base = {"run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--frames", "8"};
        String[] extra = flags.split(" ");
        String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        Cli r = Cli.run(args);
        assertEquals(code, r.code(), r.err());
        assertEquals(problem, r.problem());
    }
}
