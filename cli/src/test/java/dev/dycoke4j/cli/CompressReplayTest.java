package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dycoke compress replay} on the methods' golden file: what it writes is what the official code wrote. */
class CompressReplayTest {
    static final Path GOLDEN = Oracle.root().resolve("golden/methods.safetensors");

    @TempDir
    Path tmp;

    @Test
    void replayingTheGoldenFileReproducesEveryVidCom2EvsAndFastvidCase() throws Exception {
        Path out = tmp.resolve("replayed.safetensors");
        Cli r = Cli.run("compress", "replay", "--golden", GOLDEN.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("replayed 17 cases into " + out), r.out());
        try (Safetensors mine = Safetensors.open(out); Safetensors g = Safetensors.open(GOLDEN)) {
            JsonNode cases = new ObjectMapper().readTree(g.metadata().get("cases"));
            Set<String> expectedKeys = new TreeSet<>(), unimplemented = new TreeSet<>();
            for (var e : cases.properties()) {
                String name = e.getKey();
                if (name.startsWith("vidcom2_") || name.startsWith("evs_") || name.startsWith("fastvid_")) {
                    // FastVID's recorded tie-break noise is an input of the case, not an output
                    for (String k : g.tensors().keySet()) if (k.startsWith(name + "_") && !k.startsWith(name + "_dpc_noise")) expectedKeys.add(k);
                } else if (!cases.get(name).has("error")) unimplemented.add(name);
            }
            assertEquals(55, expectedKeys.size(), "vidcom2: kept_idx, frame_k, output; evs: kept_idx, output; 6 cases each;"
                    + " fastvid: src_idx, kind, segments, frame_context_num, output; 5 cases");
            assertEquals(expectedKeys, new TreeSet<>(mine.tensors().keySet()), "the same keys as the golden cases");
            for (String k : expectedKeys) {
                Tensor a = mine.get(k), b = g.get(k);
                assertArrayEquals(b.shape(), a.shape(), k);
                if (b.dtype() == DType.I64) assertArrayEquals(b.toLongArray(), a.toLongArray(), k);
                else Oracle.assertClose(k, a.toFloatArray(), b.toFloatArray(), 1e-5);
            }
            assertEquals(17, new ObjectMapper().readTree(mine.metadata().get("cases")).size(), "the replayed cases' hyperparameters");
            // the other methods' cases are named on stderr, with their count
            List<String> lines = r.err().strip().lines().toList();
            String skipped = lines.stream().filter(l -> l.contains("skipped")).findFirst().orElseThrow();
            assertTrue(skipped.startsWith("dycoke compress replay: skipped " + unimplemented.size() + " cases of methods not implemented here: "), skipped);
            List<String> named = new ArrayList<>(Arrays.asList(skipped.substring(skipped.indexOf("here: ") + 6).split(", ")));
            assertEquals(unimplemented, new TreeSet<>(named));
            assertEquals(15, named.size(), "holitom 7, flashvid 8");
            assertTrue(r.err().contains("not run: 2 cases the official code could not run: fastvid_clip_r0.1, holitom_corr16_r0.25_d0.5"), r.err());
        }
    }

    @Test
    void aMissingGoldenFileIsOneLine() {
        Cli r = Cli.run("compress", "replay", "--golden", tmp.resolve("none.safetensors").toString(), "--out", tmp.resolve("o.safetensors").toString());
        assertEquals(2, r.code());
        assertEquals("dycoke: --golden " + tmp.resolve("none.safetensors") + ": file not found", r.problem());
    }

    @Test
    void aFileWithoutCasesIsOneLine() {
        Path forward = Oracle.root().resolve("golden/forward.safetensors");
        Cli r = Cli.run("compress", "replay", "--golden", forward.toString(), "--out", tmp.resolve("o.safetensors").toString());
        assertEquals(2, r.code());
        assertEquals("dycoke: --golden " + forward + ": no 'cases' in its __metadata__", r.problem());
    }

    @Test
    void compressAloneAsksForASubcommand() {
        Cli r = Cli.run("compress");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("dycoke: a subcommand is needed: replay"), r.err());
    }
}
