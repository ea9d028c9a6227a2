package dev.dycoke4j.compress;

import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** TTM reproduces the kept indices and the output of the official dycole_ttm exactly. */
class TtmTest {
    @ParameterizedTest
    @CsvSource({"clip_k0.7, 0.7, 8, 16", "clip_k0.3, 0.3, 8, 16", "corr16_k0.7, 0.7, 16, 196", "corr16_k0.5, 0.5, 16, 196", "corr16_k0.3, 0.3, 16, 196"})
    void matchesTheOfficialCode(String name, double k, int frames, int perFrame) {
        try (Safetensors g = Oracle.golden("ttm.safetensors")) {
            float[] in = g.get(name + "_input").toFloatArray();
            int d = in.length / (frames * perFrame);
            VisualTokens out = new Ttm(k, Ttm.Windows.OFFICIAL, Ttm.Order.OFFICIAL).compress(VisualTokens.pooled(in, frames, perFrame, d));
            int[] want = g.get(name + "_kept_idx").toIntArray();
            assertEquals(want.length, out.count());
            assertArrayEquals(want, out.sourceIndex());
            assertArrayEquals(g.get(name + "_output").toFloatArray(), java.util.Arrays.copyOf(out.features(), out.count() * d));
        }
    }
}
