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

/** {@code --shape}: the 7B- and Qwen2.5-VL-3B-shaped checkpoints are refused, with nothing written, where the disk lacks their size. */
class BenchAssetsTest {
    @TempDir
    Path tmp;

    @Test
    void theSevenBCheckpointIsRefusedInOneLineWhenTheDiskIsShort() {
        StringWriter err = new StringWriter();
        long need = BenchAssets.Shape.QWEN_7B.bytes;
        var e = assertThrows(IllegalStateException.class,
                () -> BenchAssets.model(tmp, BenchAssets.Shape.QWEN_7B, new PrintWriter(err), p -> need - 1));
        Path where = BenchAssets.dir(tmp).resolve("qwen2-7b-shape-bf16");
        assertEquals("not enough free disk space for the random 7b-shaped checkpoint: it needs " + Bytes.human(need) + ", " + Bytes.human(need - 1) + " free at "
                + where, e.getMessage());
        assertFalse(Files.exists(where), "nothing written");
        assertEquals("", err.toString(), "no announcement of a write that does not happen");
    }

    @Test
    void theQwen25Vl3bCheckpointIsRefusedInOneLineWhenTheDiskIsShort() {
        StringWriter err = new StringWriter();
        long need = BenchAssets.Shape.QWEN25VL_3B.bytes;
        // about 3.75 billion BF16 parameters
        assertEquals(dev.dycoke4j.pipeline.QwenRandomCheckpoint.Spec.qwen25Vl3b(dev.dycoke4j.tensor.DType.BF16).bytes(), need);
        assertTrue(need > 7_400_000_000L && need < 7_600_000_000L, Bytes.human(need));
        var e = assertThrows(IllegalStateException.class,
                () -> BenchAssets.model(tmp, BenchAssets.Shape.QWEN25VL_3B, new PrintWriter(err), p -> need - 1));
        Path where = BenchAssets.dir(tmp).resolve("qwen25vl-3b-shape-bf16");
        assertEquals("not enough free disk space for the random qwen25vl-3b-shaped checkpoint: it needs " + Bytes.human(need) + ", "
                + Bytes.human(need - 1) + " free at " + where, e.getMessage());
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
        assertEquals(BenchAssets.Shape.QWEN25VL_3B, BenchAssets.Shape.of("qwen25vl-3b"));
        Cli r = Cli.run("bench", "--shape", "9b");
        assertEquals(2, r.code());
        assertEquals("dycoke: --shape takes 0.5b, 7b or qwen25vl-3b; got '9b'", r.problem());
        r = Cli.run("bench", "--shape", "7b", "--model", tmp.toString());
        assertEquals(2, r.code());
        assertEquals("dycoke: --shape chooses the random checkpoint; it does not go with --model", r.problem());
    }
}
