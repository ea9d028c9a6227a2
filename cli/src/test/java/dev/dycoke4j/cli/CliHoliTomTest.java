package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dycoke4j.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --compress holitom} through the CLI on the oracle: it runs end to end with its flags, and bad values get one line each. */
class CliHoliTomTest {
    static final String MODEL = CliCompressTest.MODEL, CLIP = CliCompressTest.CLIP;

    @TempDir
    Path tmp;

    @Test
    void holitomRunsWithItsMergeInsideTheLlm() throws Exception {
        JsonNode j = CliCompressTest.run("--compress", "holitom", "--ratio", "0.25", "--holitom-k", "2");
        JsonNode st = j.get("stats");
        assertEquals("holitom", st.get("method").asText());
        assertEquals(128, st.get("visual_tokens_pooled").asInt());
        int kept = st.get("visual_tokens_kept").asInt();
        assertTrue(kept >= 1 && kept <= 32, kept + " kept at 25 %");
        assertEquals(150 - 128 + kept, st.get("prompt_tokens").asInt());
        // the merge at layer 2 keeps round((kept + 1) / 2) rows of the video and its newline, less the newline's row
        assertEquals(Math.rint((kept + 1) * 0.5) - 1, st.get("visual_tokens_attended_mean").asDouble());
        assertEquals(12, CliCompressTest.ids(j).length);
    }

    @Test
    void withoutTheMergeTheOuterPartAloneRunsAtThePapersRatio() throws Exception {
        JsonNode st = CliCompressTest.run("--compress", "holitom", "--holitom-r", "0").get("stats");
        int kept = st.get("visual_tokens_kept").asInt();
        assertTrue(kept >= 1 && kept <= 13, kept + " kept at the paper's 10 %");
        assertEquals(kept, st.get("visual_tokens_attended_mean").asDouble());
    }

    @Test
    void traceWritesTheTokensSourceIndices() {
        Path out = tmp.resolve("t.safetensors");
        Cli r = Cli.run("trace", "--model", MODEL, "--video", CLIP, "--prompt", "What happens in this video?", "--frames", "8",
                "--max-new-tokens", "4", "--compress", "holitom", "--ratio", "0.5", "--holitom-k", "1", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        try (Safetensors t = Safetensors.open(out)) {
            int[] kept = t.get("kept_indices").toIntArray();
            assertTrue(kept.length >= 1 && kept.length <= 64, kept.length + " tokens");
            for (int i : kept) assertTrue(i >= 0 && i < 128, "a source index is a pooled token: " + i);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--ratio | 0 | 2 | --ratio must be in (0, 1], got 0.0",
            "--holitom-tau | 2 | 2 | --holitom-tau must be in [-1, 1], got 2.0",
            "--holitom-beta | 1.5 | 2 | --holitom-beta must be in [0, 1], got 1.5",
            "--holitom-d | 1 | 2 | --holitom-d must be in [0, 1), got 1.0",
            "--holitom-knn | 0 | 2 | --holitom-knn must be at least 1, got 0",
            "--holitom-max-window | 0 | 2 | --holitom-max-window must be at least 1, got 0",
            "--holitom-k | 0 | 2 | --holitom-k must be at least 1, got 0",
            "--holitom-k | 3 | 1 | --holitom-k 3 is outside 1..2 for this 3-layer model",
            "--holitom-r | 1 | 2 | --holitom-r must be in [0, 1), got 1.0"})
    void badHoliTomOptionsGetOneLineEach(String flag, String value, int code, String message) {
        Cli r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--frames", "8", "--compress", "holitom", flag, value);
        assertEquals(code, r.code(), r.err());
        assertEquals("dycoke: " + message, r.problem());
    }

    @Test
    void aBadHoliTomValueIsRefusedWhateverTheMethod() {
        Cli r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--compress", "none", "--holitom-r", "1.5");
        assertEquals(2, r.code());
        assertEquals("dycoke: --holitom-r must be in [0, 1), got 1.5", r.problem());
        r = Cli.run("run", "--model", MODEL, "--video", CLIP, "--prompt", "hi", "--compress", "holitom", "--holitom-knn", "two");
        assertEquals(2, r.code());
        assertTrue(r.problem().startsWith("dycoke: "), r.err());
        assertTrue(r.problem().contains("--holitom-knn"), r.problem());
    }
}
