package dev.dycoke4j.pipeline;

import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.vision.RgbFrame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A frame's vision features (pooled rows and the attention its patches receive) do not depend on the batch it shares
 * with other frames or on the batch size: what lets a re-encode reuse the features of frames already encoded.
 *
 * <p>Compared within {@link #TOL} rather than bit for bit: the Vector API's {@code lanewise(EXP)} and
 * {@code reduceLanes(ADD)} (attention's softmax) give other last bits interpreted than compiled by C2, so two encodes
 * of the same batch in one JVM can differ in their last bits whenever the JIT recompiles. Another frame's features
 * differ from a frame's by far more than the tolerance (checked), so a frame in the wrong place cannot pass.
 */
@Timeout(120)
class BatchIndependenceTest {
    /** Relative tolerance: a few float ulps of the JIT's reordering, far below the gap between two frames. */
    static final double TOL = 1e-5;

    @Test
    void aFramesFeaturesDoNotDependOnItsBatch() {
        for (Path model : new Path[]{Oracle.model(), Oracle.modelBf16()})
            try (VideoQa qa = VideoQa.load(model)) {
                compare(qa, model);
            }
    }

    /** Every value of {@code got} within {@link #TOL} of {@code want}, relative to max(1, |want|). */
    static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++)
            if (!(Math.abs(want[i] - got[i]) <= TOL * Math.max(1, Math.abs(want[i]))))
                fail(what + ": [" + i + "] = " + got[i] + ", want " + want[i]);
    }

    /** The largest difference between two arrays of the same length. */
    static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    /** Frames encoded in batches of 1 to 7, and beside other frames, against the same frames in batches of 3. */
    static void compare(VideoQa qa, Path model) {
        List<RgbFrame> frames = FollowUpTest.clip(7, 11);
        float[][] whole = features(qa, frames, 3);
        assertTrue(maxDiff(frame(whole[0], 0, 7), frame(whole[0], 1, 7)) > 1000 * TOL, "two frames' features are far apart");
        for (int batch : new int[]{1, 2, 4, 7}) {
            float[][] other = features(qa, frames, batch);
            assertClose(whole[0], other[0], model.getFileName() + ", pooled, batch " + batch);
            assertClose(whole[1], other[1], model.getFileName() + ", saliency, batch " + batch);
        }
        // frames 5, 1 and 3 in another order, beside frames they never met, in batches of 2 and 4
        List<RgbFrame> mixed = new ArrayList<>(FollowUpTest.clip(3, 12));
        mixed.add(1, frames.get(5));
        mixed.add(3, frames.get(1));
        mixed.add(frames.get(3));
        int[] at = {1, 3, 5}, was = {5, 1, 3};
        for (int batch : new int[]{2, 4}) {
            float[][] got = features(qa, mixed, batch);
            for (int i = 0; i < at.length; i++) {
                String what = model.getFileName() + ", frame " + was[i] + " at " + at[i] + ", batch " + batch;
                assertClose(frame(whole[0], was[i], 7), frame(got[0], at[i], mixed.size()), what + ", pooled");
                assertClose(frame(whole[1], was[i], 7), frame(got[1], at[i], mixed.size()), what + ", saliency");
            }
        }
    }

    /** Pooled features and saliency of {@code frames}, {@code batch} frames per vision-tower batch. */
    static float[][] features(VideoQa qa, List<RgbFrame> frames, int batch) {
        VisionFeatures f = qa.visionStage().encode(qa.preprocessor().pixels(frames), new VisionOptions(frames.size(), batch, true), null).features();
        return new float[][]{f.pooled(), f.saliency()};
    }

    /** Frame {@code f}'s share of {@code all}, which holds {@code frames} frames' values. */
    static float[] frame(float[] all, int f, int frames) {
        int per = all.length / frames;
        return Arrays.copyOfRange(all, f * per, (f + 1) * per);
    }
}
