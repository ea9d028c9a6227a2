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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dycoke compress replay} on the methods' golden file: what it writes is what the official code wrote. */
class CompressReplayTest {
    static final Path GOLDEN = Oracle.root().resolve("golden/methods.safetensors");

    @TempDir
    Path tmp;

    @Test
    void replayingTheGoldenFileReproducesEveryVidCom2EvsHoliTomFlashVidAndFastVidCase() throws Exception {
        Path out = tmp.resolve("replayed.safetensors");
        Cli r = Cli.run("compress", "replay", "--golden", GOLDEN.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("replayed 32 cases into " + out), r.out());
        try (Safetensors mine = Safetensors.open(out); Safetensors g = Safetensors.open(GOLDEN)) {
            JsonNode cases = new ObjectMapper().readTree(g.metadata().get("cases"));
            Set<String> expectedKeys = new TreeSet<>(), unimplemented = new TreeSet<>();
            for (var e : cases.properties()) {
                String name = e.getKey();
                if (name.startsWith("vidcom2_") || name.startsWith("evs_") || name.startsWith("flashvid_") || name.startsWith("fastvid_")
                        || name.startsWith("holitom_") && !cases.get(name).has("error")) {
                    // holitom's and fastvid's recorded tie-break noise is an input of their replay, not a result; flashvid's noise is drawn and written
                    for (String k : g.tensors().keySet())
                        if (k.startsWith(name + "_") && (name.startsWith("flashvid_") || !k.endsWith("_dpc_noise") && !k.endsWith("_dpc_noise_shapes"))) expectedKeys.add(k);
                } else if (!cases.get(name).has("error")) unimplemented.add(name);
            }
            assertEquals(30 + 28 + 48 + 25, expectedKeys.size(), "vidcom2: kept_idx, frame_k, output; evs: kept_idx, output; 6 cases each; "
                    + "holitom: src_idx, kind, segments, output, 7 cases; flashvid: src_idx, kind, segments, output, dpc_noise, dpc_noise_shapes, 8 cases; "
                    + "fastvid: src_idx, kind, segments, frame_context_num, output, 5 cases");
            assertEquals(expectedKeys, new TreeSet<>(mine.tensors().keySet()), "the same keys as the golden cases");
            for (String k : expectedKeys) {
                if (k.startsWith("flashvid_")) continue;
                Tensor a = mine.get(k), b = g.get(k);
                assertArrayEquals(b.shape(), a.shape(), k);
                if (b.dtype() == DType.I64) assertArrayEquals(b.toLongArray(), a.toLongArray(), k);
                else Oracle.assertClose(k, a.toFloatArray(), b.toFloatArray(), 1e-5);
            }
            for (String name : cases.properties().stream().map(java.util.Map.Entry::getKey).filter(n -> n.startsWith("flashvid_")).toList())
                assertSameFlashVidCase(name, mine, g);
            assertEquals(32, new ObjectMapper().readTree(mine.metadata().get("cases")).size(), "the replayed cases' hyperparameters");
            // every method of the golden file is replayed: none is named as skipped
            assertEquals(java.util.Set.of(), unimplemented);
            assertFalse(r.err().contains("skipped"), r.err());
            assertTrue(r.err().contains("not run: 2 cases the official code could not run: fastvid_clip_r0.1, holitom_corr16_r0.25_d0.5"), r.err());
        }
    }

    /**
     * A FlashVID case: the same shapes, segments and noise; the same rows once both are ordered by (src_idx, kind), as
     * rows with equal src_idx come out of the official non-stable argsort in either order.
     */
    static void assertSameFlashVidCase(String name, Safetensors mine, Safetensors g) {
        for (String suffix : List.of("_src_idx", "_kind", "_segments", "_output", "_dpc_noise", "_dpc_noise_shapes"))
            assertArrayEquals(g.get(name + suffix).shape(), mine.get(name + suffix).shape(), name + suffix);
        for (String suffix : List.of("_segments", "_dpc_noise_shapes"))
            assertArrayEquals(g.get(name + suffix).toLongArray(), mine.get(name + suffix).toLongArray(), name + suffix);
        assertArrayEquals(g.get(name + "_dpc_noise").toFloatArray(), mine.get(name + "_dpc_noise").toFloatArray(), name + "_dpc_noise");
        long[][] a = rows(mine, name), b = rows(g, name);
        float[] ao = mine.get(name + "_output").toFloatArray(), bo = g.get(name + "_output").toFloatArray();
        int D = mine.get(name + "_output").dim(1);
        float[] as = new float[ao.length], bs = new float[bo.length];
        for (int i = 0; i < a.length; i++) {
            assertEquals(b[i][0], a[i][0], name + " src_idx " + i);
            assertEquals(b[i][1], a[i][1], name + " kind " + i);
            System.arraycopy(ao, (int) a[i][2] * D, as, i * D, D);
            System.arraycopy(bo, (int) b[i][2] * D, bs, i * D, D);
        }
        Oracle.assertClose(name + "_output", as, bs, 1e-5);
    }

    /** (src_idx, kind, row) of every row, ordered by src_idx then kind. */
    private static long[][] rows(Safetensors f, String name) {
        long[] src = f.get(name + "_src_idx").toLongArray(), kind = f.get(name + "_kind").toLongArray();
        long[][] r = new long[src.length][];
        for (int i = 0; i < src.length; i++) r[i] = new long[]{src[i], kind[i], i};
        Arrays.sort(r, java.util.Comparator.<long[]>comparingLong(x -> x[0]).thenComparingLong(x -> x[1]));
        return r;
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
