package dev.dycoke4j.io;

import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The segments a mapped checkpoint's tensors hand the kernels are of the same class as the engine's own off-heap
 * buffers (a Vector API load that has seen two segment classes compiles to slow code, or to no vector load), read-only,
 * closed with the file; and the mapping behind them still gives its pages back.
 */
class SafetensorsSegmentsTest {
    @TempDir
    Path dir;

    @Test
    void mappedTensorsReadAsPlainNativeSegments() {
        Path file = dir.resolve("w.safetensors");
        new SafetensorsWriter().add("w", DType.F32, new float[] {1, 2, 3, 4, 5, 6}, 2, 3).write(file);
        Safetensors st = Safetensors.open(file);
        Tensor w = st.get("w");
        MemorySegment seg = w.segment();
        assertFalse(seg.isMapped(), "the kernels' segment is not the mapping");
        assertEquals(Arena.ofAuto().allocate(8).getClass(), seg.getClass(), "the same class as the engine's buffers");
        assertTrue(seg.isReadOnly());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, w.toFloatArray());
        w.releasePages(); // unloads the mapping's pages; the bytes read back from the file
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, w.reshape(3, 2).toFloatArray());
        st.close();
        assertThrows(IllegalStateException.class, () -> seg.get(ValueLayout.JAVA_BYTE, 0), "closed with the file");
    }

    @Test
    void pagesMustBeTheDataItsMapping() throws Exception {
        Path file = dir.resolve("w.bin");
        java.nio.file.Files.write(file, new byte[8]);
        try (Arena arena = Arena.ofConfined(); var ch = java.nio.channels.FileChannel.open(file)) {
            MemorySegment mapped = ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, 8, arena);
            MemorySegment other = arena.allocate(8);
            assertThrows(IllegalArgumentException.class, () -> new Tensor("x", DType.F32, new long[] {2}, other, other), "not a mapping");
            assertThrows(IllegalArgumentException.class, () -> new Tensor("x", DType.F32, new long[] {2}, other, mapped), "other bytes");
            Tensor t = new Tensor("x", DType.F32, new long[] {2}, mapped);
            t.releasePages(); // a mapped segment given alone is its own pages
            assertArrayEquals(new float[] {0, 0}, t.toFloatArray());
        }
    }
}
