package dev.dycoke4j.cli;

import dev.dycoke4j.platform.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --shape}: the 7B-shaped checkpoint is refused, with nothing written, where the disk lacks its size. */
class BenchAssetsTest {
    @TempDir
    Path tmp;

    @Test
    void theSevenBCheckpointIsRefusedInOneLineWhenTheDiskIsShort() {
        StringWriter err = new StringWriter();
        long need = BenchAssets.Shape.QWEN_7B.spec.bytes();
        var e = assertThrows(IllegalStateException.class,
                () -> BenchAssets.model(tmp, BenchAssets.Shape.QWEN_7B, new PrintWriter(err), p -> need - 1));
        Path where = BenchAssets.dir(tmp).resolve("qwen2-7b-shape-bf16");
        assertEquals("not enough free disk space for the random 7b-shaped checkpoint: it needs " + Bytes.human(need) + ", " + Bytes.human(need - 1) + " free at "
                + where, e.getMessage());
        assertFalse(Files.exists(where), "nothing written");
        assertEquals("", err.toString(), "no announcement of a write that does not happen");
    }

    @Test
    void theFreeSpaceIsReadFromTheNearestExistingFolder() {
        assertTrue(BenchAssets.usableSpace(tmp.resolve("not/yet/there")) > 0);
    }

    @Test
    void shapes() {
        assertEquals(BenchAssets.Shape.QWEN_7B, BenchAssets.Shape.of("7b"));
        assertEquals(BenchAssets.Shape.QWEN_05B, BenchAssets.Shape.of("0.5b"));
        Cli r = Cli.run("bench", "--shape", "9b");
        assertEquals(2, r.code());
        assertEquals("dycoke: --shape takes 0.5b or 7b; got '9b'", r.problem());
        r = Cli.run("bench", "--shape", "7b", "--model", tmp.toString());
        assertEquals(2, r.code());
        assertEquals("dycoke: --shape chooses the random checkpoint; it does not go with --model", r.problem());
    }
}
