package dev.dycoke4j.peer.llamacpp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GgufWriterTest {
    @TempDir
    Path tmp;

    @Test
    void readsBackHeaderMetadataTensorInfosAndAlignedData() throws Exception {
        float[][] a = random(3, 5, 1), q = random(4, 64, 2);
        float[] v = random(1, 7, 3)[0];
        Path f = tmp.resolve("t.gguf");
        new GgufWriter().putString("general.architecture", "qwen2").putUint32("qwen2.block_count", 2)
                .putFloat32("qwen2.rope.freq_base", 1e6f).putBool("b", true)
                .putStrings("tokenizer.ggml.tokens", List.of("a", "é", "[PAD2]")).putInt32s("tokenizer.ggml.token_type", new int[] {1, 3, 5})
                .addTensor("a", new long[] {5, 3}, GgufWriter.Type.F16, (r, dst) -> System.arraycopy(a[(int) r], 0, dst, 0, dst.length))
                .addTensor("v", new long[] {7}, GgufWriter.Type.F32, (r, dst) -> System.arraycopy(v, 0, dst, 0, dst.length))
                .addTensor("q", new long[] {64, 4}, GgufWriter.Type.Q8_0, (r, dst) -> System.arraycopy(q[(int) r], 0, dst, 0, dst.length))
                .write(f);
        GgufReader g = GgufReader.read(f);
        assertEquals(3, g.version());
        assertEquals(List.of("general.architecture", "qwen2.block_count", "qwen2.rope.freq_base", "b", "tokenizer.ggml.tokens", "tokenizer.ggml.token_type"),
                List.copyOf(g.metadata().keySet()));
        assertEquals("qwen2", g.metadata().get("general.architecture"));
        assertEquals(2L, g.metadata().get("qwen2.block_count"));
        assertEquals(1e6f, g.metadata().get("qwen2.rope.freq_base"));
        assertEquals(true, g.metadata().get("b"));
        assertEquals(List.of("a", "é", "[PAD2]"), g.metadata().get("tokenizer.ggml.tokens"));
        assertEquals(List.of(1, 3, 5), g.metadata().get("tokenizer.ggml.token_type"));
        assertEquals(List.of("a", "v", "q"), List.copyOf(g.tensors().keySet()));
        assertEquals(0, g.dataStart() % 32);
        // offsets: each tensor starts at a multiple of 32 right after the one before it
        assertArrayEquals(new long[] {5, 3}, g.tensors().get("a").ne());
        assertEquals(1, g.tensors().get("a").type());
        assertEquals(0, g.tensors().get("a").offset());
        assertEquals(0, g.tensors().get("v").type());
        assertEquals(32, g.tensors().get("v").offset(), "30 bytes of F16, padded to 32");
        assertEquals(8, g.tensors().get("q").type());
        assertEquals(64, g.tensors().get("q").offset(), "28 bytes of F32 after 32, padded to 64");
        assertEquals(g.dataStart() + 64 + 288, g.file().limit(), "4 rows of 2 Q8_0 blocks (272 bytes), padded as gguf-py pads, end the file");
        ByteBuffer fa = g.data("a", 30);
        for (float[] row : a) for (float x : row) assertEquals(Float.float16ToFloat(Float.floatToFloat16(x)), Float.float16ToFloat(fa.getShort()));
        ByteBuffer fv = g.data("v", 28);
        for (float x : v) assertEquals(x, fv.getFloat());
        ByteBuffer fq = g.data("q", 4 * 2 * 34);
        for (float[] row : q) for (int blk = 0; blk < 2; blk++) assertBlock(row, blk * 32, fq);
    }

    @Test
    void q80BlocksAreGgmlsReferenceRounding() {
        float[] x = random(1, 96, 4)[0];
        x[40] = 0; // the second block: all zeros, scale 0
        for (int i = 32; i < 64; i++) x[i] = 0;
        // the third block: max 127 makes d = 1 exactly, so 2.5 and -2.5 must round away from zero (to 3 and -3)
        for (int i = 64; i < 96; i++) x[i] = 0.5f * (i - 80);
        x[64] = 127f;
        x[65] = 2.5f;
        x[66] = -2.5f;
        ByteBuffer out = ByteBuffer.allocate(3 * 34).order(ByteOrder.LITTLE_ENDIAN);
        Q80.quantize(x, 0, 96, out);
        out.flip();
        for (int b = 0; b < 3; b++) assertBlock(x, b * 32, out);
        assertEquals(3, out.get(2 * 34 + 2 + 1));
        assertEquals(-3, out.get(2 * 34 + 2 + 2));
        assertEquals(3, Q80.roundf(2.5f));
        assertEquals(-3, Q80.roundf(-2.5f));
        assertEquals(0, Q80.roundf(0.49999997f));
    }

    @Test
    void q80NeedsRowsOfWholeBlocks() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new GgufWriter().addTensor("w", new long[] {48, 2}, GgufWriter.Type.Q8_0, (r, d) -> { }));
        assertEquals("w: Q8_0 needs rows of a multiple of 32 values, not 48", e.getMessage());
    }

    /**
     * One Q8_0 block of {@code x} from {@code off}, recomputed in double with BigDecimal's half-up rounding (roundf's
     * halves away from zero): the F16 scale of {@code max|x| / 127} and the 32 quantized values.
     */
    static void assertBlock(float[] x, int off, ByteBuffer in) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[off + j]));
        float d = amax / 127f;
        assertEquals(Float.floatToFloat16(d), in.getShort(), "scale of the block at " + off);
        for (int j = 0; j < 32; j++) {
            float scaled = d == 0 ? 0 : x[off + j] * (1f / d);
            int want = new BigDecimal(scaled).setScale(0, RoundingMode.HALF_UP).intValueExact();
            assertEquals(want, in.get(), "value " + j + " of the block at " + off);
        }
    }

    static float[][] random(int rows, int cols, long seed) {
        Random r = new Random(seed);
        float[][] m = new float[rows][cols];
        for (float[] row : m) for (int j = 0; j < cols; j++) row[j] = (float) r.nextGaussian();
        return m;
    }
}
