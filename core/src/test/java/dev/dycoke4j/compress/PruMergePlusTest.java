package dev.dycoke4j.compress;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PruMergePlusTest {
    static final VisualTokens V = Synthetic.video(4, 196, 16, 42);

    @ParameterizedTest
    @ValueSource(doubles = {0.001, 0.02, 0.1, 0.3, 0.7, 1})
    void hitsTheBudgetPerFrameInRasterOrder(double r) {
        VisualTokens out = new PruMergePlus(r).compress(V);
        int[] want = Budget.perFrame(Math.max(Budget.keep(r, 784), 4), 4);
        assertArrayEquals(want, Synthetic.perFrame(out));
        int[] src = out.sourceIndex();
        for (int i = 1; i < src.length; i++) assertTrue(src[i] > src[i - 1], "frames in order, raster order within a frame");
        for (int i = 0; i < out.count(); i++) assertEquals(V.saliency()[src[i]], out.saliency()[i], "the anchor's saliency");
    }

    @Test
    void isDeterministic() {
        VisualTokens a = new PruMergePlus(0.3).compress(V), b = new PruMergePlus(0.3).compress(V);
        assertArrayEquals(a.sourceIndex(), b.sourceIndex());
        assertArrayEquals(a.features(), b.features());
    }

    @Test
    void keepingEverythingMergesNothing() {
        VisualTokens out = new PruMergePlus(1).compress(V);
        assertArrayEquals(V.sourceIndex(), out.sourceIndex());
        assertArrayEquals(V.features(), out.features());
    }

    /** A token with outlying saliency is kept, even when the budget is one or two tokens per frame. */
    @ParameterizedTest
    @ValueSource(doubles = {0.005, 0.01, 0.1, 0.5})
    void keepsAPlantedSaliencyOutlier(double r) {
        float[] s = V.saliency().clone();
        int planted = 2 * 196 + 77;
        s[planted] = 1000 * s[planted] + 1;
        VisualTokens v = VisualTokens.pooled(V.features(), 4, 196, 16, s);
        int[] src = new PruMergePlus(r).compress(v).sourceIndex();
        assertTrue(java.util.Arrays.stream(src).anyMatch(i -> i == planted));
    }

    /** Every IQR outlier is kept when the budget allows, and the rest of the budget is spatial samples. */
    @Test
    void keepsAllOutliersThenSamplesTheRest() {
        float[] s = new float[196];
        java.util.Arrays.fill(s, 1);
        for (int t = 0; t < 196; t += 3) s[t] = 2; // quartiles 1 and 2: fence 3.5
        int[] outliers = {5, 50, 51, 190};
        for (int t : outliers) s[t] = 9;
        assertEquals(3.5, PruMergePlus.upperFence(s), 1e-9);
        boolean[] kept = PruMergePlus.keptPositions(s, 20);
        int n = 0;
        for (boolean k : kept) if (k) n++;
        assertEquals(20, n);
        for (int t : outliers) assertTrue(kept[t]);
        assertTrue(kept[0], "the first spatial sample is the first non-outlier position");
        boolean[] few = PruMergePlus.keptPositions(s, 2); // more outliers than budget: the two most salient (ties: first)
        assertTrue(few[5] && few[50]);
    }

    @Test
    void quartilesInterpolateAsNumpy() {
        // np.percentile([1,2,3,4,5], [25,75]) = [2, 4]; [1,1,1,10] gives [1, 3.25]
        assertEquals(4 + 1.5 * 2, PruMergePlus.upperFence(new float[]{5, 1, 4, 2, 3}), 1e-9);
        assertEquals(3.25 + 1.5 * 2.25, PruMergePlus.upperFence(new float[]{1, 10, 1, 1}), 1e-6);
    }

    /**
     * One frame of four tokens, saliency (10, 1, 1, 1): token 0 is the only outlier (fence 6.625); at ratio 0.5 the
     * budget of 2 adds the first spatial sample, token 1. Token 2 is nearest token 0 and token 3 nearest token 1, so
     * y0 = (10·x0 + 1·x2) / 11 and y1 = (x1 + x3) / 2.
     */
    @Test
    void mergesPrunedTokensByASaliencyWeightedAverage() {
        float[] x = {1, 0, 0, 1, 1, 0.1f, 0.1f, 1};
        float[] s = {10, 1, 1, 1};
        VisualTokens out = new PruMergePlus(0.5).compress(VisualTokens.pooled(x, 1, 4, 2, s));
        assertArrayEquals(new int[]{0, 1}, out.sourceIndex());
        assertArrayEquals(new float[]{10, 1}, out.saliency());
        assertArrayEquals(new float[]{1, 0.1f / 11, 0.05f, 1}, java.util.Arrays.copyOf(out.features(), 4), 1e-6f);
    }

    /**
     * Same tokens, zero saliency: no outliers, so the budget of 2 is the spatial samples 0 and 2; tokens 1 and 3 are
     * both nearest token 2, and with no weight the group is averaged plainly: y1 = (x2 + x1 + x3) / 3.
     */
    @Test
    void zeroSaliencyFallsBackToThePlainAverage() {
        float[] x = {1, 0, 0, 1, 1, 0.1f, 0.1f, 1};
        float[] s = {0, 0, 0, 0};
        VisualTokens out = new PruMergePlus(0.5).compress(VisualTokens.pooled(x, 1, 4, 2, s));
        assertArrayEquals(new int[]{0, 2}, out.sourceIndex());
        assertArrayEquals(new float[]{1, 0, 1.1f / 3, 2.1f / 3}, java.util.Arrays.copyOf(out.features(), 4), 1e-6f);
    }

    @Test
    void needsSaliency() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PruMergePlus(0.5).compress(Synthetic.withoutSaliency(V)));
        assertTrue(e.getMessage().startsWith("PruMerge+ needs vision attention"), e.getMessage());
    }

    @Test
    void needsEveryPooledToken() {
        assertThrows(IllegalArgumentException.class, () -> new PruMergePlus(0.5).compress(V.select(new int[]{0, 1, 2})));
    }

    @ParameterizedTest
    @ValueSource(doubles = {0, -0.5, 1.5, Double.NaN})
    void rejectsBadRatios(double r) {
        assertThrows(IllegalArgumentException.class, () -> new PruMergePlus(r));
    }
}
