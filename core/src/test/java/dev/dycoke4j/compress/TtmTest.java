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

    static VisualTokens ramp(int frames, int perFrame, int d, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] x = new float[frames * perFrame * d];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        return VisualTokens.pooled(x, frames, perFrame, d);
    }

    @org.junit.jupiter.api.Test
    void keptCountMatchesWhatCompressKeeps() {
        for (var w : Ttm.Windows.values())
            for (int f = 2; f <= 13; f++)
                for (double k : new double[]{0.0, 0.3, 0.7, 0.9}) {
                    Ttm t = new Ttm(k, w, Ttm.Order.OFFICIAL);
                    assertEquals(t.keptCount(f, 16), t.compress(ramp(f, 16, 4, f)).count(), w + " F=" + f + " K=" + k);
                }
    }

    @org.junit.jupiter.api.Test
    void fullWindowsReduceTheLastWindowAndKeepAnOddLastFrame() {
        // 8 frames: official skips the i+2 step in the last window (frame 6 stays whole); full reduces it
        assertEquals(16 * 4 + 4 * 4 - 12, new Ttm(0.7, Ttm.Windows.OFFICIAL, Ttm.Order.OFFICIAL).compress(ramp(8, 16, 4, 3)).count());
        assertEquals(16 * 2 + 4 * 6, new Ttm(0.7, Ttm.Windows.FULL, Ttm.Order.OFFICIAL).compress(ramp(8, 16, 4, 3)).count());
        // 9 frames: official never pairs frame 8 and drops it; full keeps it whole
        VisualTokens off = new Ttm(0.7, Ttm.Windows.OFFICIAL, Ttm.Order.OFFICIAL).compress(ramp(9, 16, 4, 3));
        VisualTokens full = new Ttm(0.7, Ttm.Windows.FULL, Ttm.Order.OFFICIAL).compress(ramp(9, 16, 4, 3));
        assertEquals(16 * 2 + 4 * 6, off.count());
        assertEquals(0, java.util.Arrays.stream(off.sourceIndex()).filter(i -> i >= 8 * 16).count());
        assertEquals(16 * 3 + 4 * 6, full.count());
        assertEquals(16, java.util.Arrays.stream(full.sourceIndex()).filter(i -> i >= 8 * 16).count());
    }

    @org.junit.jupiter.api.Test
    void rasterOrderSortsEachFramesTokens() {
        VisualTokens in = ramp(8, 16, 4, 5);
        int[] official = new Ttm(0.7, Ttm.Windows.OFFICIAL, Ttm.Order.OFFICIAL).compress(in).sourceIndex();
        int[] raster = new Ttm(0.7, Ttm.Windows.OFFICIAL, Ttm.Order.RASTER).compress(in).sourceIndex();
        int[] sorted = official.clone();
        java.util.Arrays.sort(sorted);
        assertArrayEquals(sorted, raster);
        assertEquals(false, java.util.Arrays.equals(official, raster), "official order is by similarity, not raster");
    }

    @org.junit.jupiter.api.Test
    void aLoneFrameIsAClearError() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Ttm(0.7, Ttm.Windows.OFFICIAL, Ttm.Order.OFFICIAL).compress(ramp(1, 16, 4, 1)));
        assertEquals("DyCoke's TTM compares frames in windows, so it needs at least 2 frames; got 1", e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"8, 196, OFFICIAL", "16, 196, OFFICIAL", "32, 196, OFFICIAL", "8, 16, FULL", "9, 196, FULL", "5, 196, OFFICIAL"})
    void aBudgetPicksTheLargestKeepWithinIt(int frames, int perFrame, Ttm.Windows w) {
        int n = frames * perFrame, min = countAtKeep(0, frames, perFrame, w);
        for (int budget = min; budget <= n; budget += Math.max(1, n / 97)) {
            Ttm t = Ttm.forBudget(budget, frames, perFrame, w, Ttm.Order.OFFICIAL);
            int keep = t.keepPerFrame(perFrame), kept = t.keptCount(frames, perFrame);
            org.junit.jupiter.api.Assertions.assertTrue(kept <= budget, kept + " > " + budget);
            if (keep < perFrame)
                org.junit.jupiter.api.Assertions.assertTrue(countAtKeep(keep + 1, frames, perFrame, w) > budget, "keep " + (keep + 1) + " also fits " + budget);
            org.junit.jupiter.api.Assertions.assertTrue(t.k() >= 0 && t.k() < 1);
        }
        org.junit.jupiter.api.Assertions.assertEquals(0.0, Ttm.forBudget(n, frames, perFrame, w, Ttm.Order.OFFICIAL).k());
        if (min > 0) org.junit.jupiter.api.Assertions.assertThrows(UnreachableBudgetException.class,
                () -> Ttm.forBudget(min - 1, frames, perFrame, w, Ttm.Order.OFFICIAL));
    }

    /** What TTM keeps with {@code keep} tokens per compared frame, counted from the kept-count of a K giving it. */
    private static int countAtKeep(int keep, int frames, int perFrame, Ttm.Windows w) {
        double k = keep == perFrame ? 0 : 1 - (keep + 0.5) / perFrame;
        Ttm t = new Ttm(k, w, Ttm.Order.OFFICIAL);
        assertEquals(keep, t.keepPerFrame(perFrame));
        return t.keptCount(frames, perFrame);
    }

    @org.junit.jupiter.api.Test
    void anUnreachableBudgetNamesTheMinimum() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(UnreachableBudgetException.class,
                () -> Ttm.forBudget(392, 8, 196, Ttm.Windows.OFFICIAL, Ttm.Order.OFFICIAL));
        assertEquals("DyCoke's TTM can't keep only 392 of 1568 visual tokens at 8 frames: it keeps its reference frames whole, at least 588 tokens (37.5%) with ttm_windows official; use a larger ratio or ttm_windows full",
                e.getMessage());
        assertEquals("ratio", e.key());
        assertEquals("DyCoke's TTM can't keep only 392 of 1568 visual tokens at 8 frames: it keeps its reference frames whole, at least 588 tokens (37.5%) with --ttm-windows official; use a larger --ratio or --ttm-windows full",
                e.message(key -> "--" + key.replace('_', '-')));
    }
}
