package dev.dycoke4j.compress;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VisionZipTest {
    static final VisualTokens V = Synthetic.video(4, 196, 16, 42);

    /** The frame's d positions of highest saliency (ties to the lower position), ascending. */
    static int[] topSaliency(float[] sal, int frame, int T, int d) {
        return IntStream.range(0, T).boxed()
                .sorted((a, b) -> sal[frame * T + b] != sal[frame * T + a] ? Float.compare(sal[frame * T + b], sal[frame * T + a]) : Integer.compare(a, b))
                .limit(d).mapToInt(t -> frame * T + t).sorted().toArray();
    }

    @Test
    void defaultSplitIsTheOfficialOne() {
        VisionZip z = new VisionZip(0.5);
        assertEquals(54, z.dominant(64));
        assertEquals(108, z.dominant(128));
        assertEquals(162, z.dominant(192));
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.001, 0.05, 0.1, 0.3, 0.7, 1})
    void keepsTheTopSaliencyTokensAsDominantThenContextualTokens(double r) {
        VisionZip z = new VisionZip(r);
        VisualTokens out = z.compress(V);
        int[] budget = Budget.perFrame(Math.max(Budget.keep(r, 784), 4), 4);
        assertArrayEquals(budget, Synthetic.perFrame(out));
        int row = 0;
        for (int f = 0; f < 4; f++) {
            int d = z.dominant(budget[f]);
            int[] dom = Arrays.copyOfRange(out.sourceIndex(), row, row + d);
            assertArrayEquals(topSaliency(V.saliency(), f, 196, d), dom, "frame " + f);
            for (int i = 0; i < d; i++) assertArrayEquals(Synthetic.row(V, dom[i]), Synthetic.row(out, row + i), "dominant tokens are kept as they are");
            int[] ctx = Arrays.copyOfRange(out.sourceIndex(), row + d, row + budget[f]);
            for (int i = 0; i < ctx.length; i++) {
                int c = ctx[i];
                assertEquals(f, c / 196);
                assertFalse(Arrays.stream(dom).anyMatch(t -> t == c), "a contextual target is not dominant");
                if (i > 0) assertTrue(c > ctx[i - 1]);
            }
            row += budget[f];
        }
    }

    @Test
    void isDeterministic() {
        VisualTokens a = new VisionZip(0.2).compress(V), b = new VisionZip(0.2).compress(V);
        assertArrayEquals(a.sourceIndex(), b.sourceIndex());
        assertArrayEquals(a.features(), b.features());
    }

    /**
     * One frame of six tokens, budget 4 (ratio 4/6), half dominant: tokens 4 and 1 by saliency. The rest (0, 2, 3, 5)
     * get 2 targets at stride 2, tokens 0 and 3; token 2 is nearest token 0, token 5 nearest token 3, so the
     * contextual tokens are (x0 + x2) / 2 and (x3 + x5) / 2.
     */
    @Test
    void mergesContextualGroupsByAveraging() {
        float[] x = {1, 0, 5, 5, 0.9f, 0.1f, 0, 1, -1, 2, 0.2f, 1};
        float[] s = {0, 5, 0, 0, 9, 0};
        VisualTokens out = new VisionZip(4.0 / 6, 0.5).compress(VisualTokens.pooled(x, 1, 6, 2, s));
        assertArrayEquals(new int[]{1, 4, 0, 3}, out.sourceIndex());
        assertArrayEquals(new float[]{5, 9, 0, 0}, out.saliency());
        assertArrayEquals(new float[]{5, 5, -1, 2, 0.95f, 0.05f, 0.1f, 1}, Arrays.copyOf(out.features(), 8), 1e-6f);
    }

    @Test
    void allDominantIsTopSaliencyPruning() {
        VisualTokens out = new VisionZip(0.25, 1).compress(V);
        int[] want = IntStream.range(0, 4).flatMap(f -> Arrays.stream(topSaliency(V.saliency(), f, 196, 49))).toArray();
        assertArrayEquals(want, out.sourceIndex());
        for (int i = 0; i < out.count(); i++) assertArrayEquals(Synthetic.row(V, want[i]), Synthetic.row(out, i));
    }

    @Test
    void noDominantIsContextualOnly() {
        VisualTokens out = new VisionZip(0.25, 0).compress(V); // 49 per frame: targets at stride 4 from each frame's start
        int[] want = IntStream.range(0, 4).flatMap(f -> IntStream.range(0, 49).map(j -> f * 196 + 4 * j)).toArray();
        assertArrayEquals(want, out.sourceIndex());
    }

    @Test
    void needsSaliency() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new VisionZip(0.5).compress(Synthetic.withoutSaliency(V)));
        assertTrue(e.getMessage().startsWith("VisionZip needs vision attention"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(doubles = {0, -0.5, 1.5, Double.NaN})
    void rejectsBadRatios(double r) {
        assertThrows(IllegalArgumentException.class, () -> new VisionZip(r));
    }

    @ParameterizedTest
    @ValueSource(doubles = {-0.1, 1.1, Double.NaN})
    void rejectsBadDominantShares(double share) {
        assertThrows(IllegalArgumentException.class, () -> new VisionZip(0.5, share));
    }
}
