package dev.dycoke4j.cli;

import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.platform.Bytes;
import dev.dycoke4j.vision.SiglipPoolingHead;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

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

    /**
     * A 0.5B-shaped checkpoint written before the checkpoints carried SigLIP's pooling head gets one, of the real
     * so400m shape (1152 channels, 16 heads, an MLP of 4304), once; the checkpoint itself is not rewritten.
     */
    @Test
    void aCachedCheckpointWithoutAPoolingHeadGetsOneOfTheRealShape() throws Exception {
        Path m = BenchAssets.dir(tmp).resolve("qwen2-0.5b-shape-bf16");
        Files.createDirectories(m);
        Files.writeString(m.resolve(".complete"), BenchAssets.VERSION + "\n");
        StringWriter err = new StringWriter();
        assertEquals(m, BenchAssets.model(tmp, BenchAssets.Shape.QWEN_05B, new PrintWriter(err), p -> 0));
        assertEquals("dycoke: writing a random SigLIP pooling head (for fastvid) beside " + m + " (once)" + System.lineSeparator(), err.toString());
        Path head = m.resolve(SiglipPoolingHead.BESIDE);
        SiglipPoolingHead h = SiglipPoolingHead.read(head, 1152, 16, 1e-6);
        assertEquals(1152, h.dim());
        try (Safetensors st = Safetensors.open(head)) {
            assertEquals(List.of(4304L, 1152L), Arrays.stream(st.tensors().get("vision_model.head.mlp.fc1.weight").shape()).boxed().toList());
        }
        assertFalse(Files.exists(m.resolve("model.safetensors")), "only the head was written");
        try (var files = Files.list(m)) {
            assertEquals(List.of(".complete", SiglipPoolingHead.BESIDE), files.map(f -> f.getFileName().toString()).sorted().toList(), "no partial file left");
        }
        StringWriter again = new StringWriter();
        BenchAssets.model(tmp, BenchAssets.Shape.QWEN_05B, new PrintWriter(again), p -> 0);
        assertEquals("", again.toString(), "once");
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
