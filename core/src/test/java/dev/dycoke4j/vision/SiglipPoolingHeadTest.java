package dev.dycoke4j.vision;

import dev.dycoke4j.io.ModelFormatException;
import dev.dycoke4j.testing.PoolingHeads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** SigLIP's pooling head, read from a checkpoint file, against the head computed the plain way (every key and value). */
class SiglipPoolingHeadTest {
    static final int DIM = 48, HEADS = 4, INTER = 96, PATCHES = 49;

    @TempDir
    Path tmp;

    Path write(Map<String, float[]> w) throws Exception {
        Path f = tmp.resolve("model.safetensors");
        Files.write(f, PoolingHeads.file(w, DIM, tmp));
        return f;
    }

    @Test
    void theHeadIsTheProbesAttentionAndThePooledEmbedding() throws Exception {
        Map<String, float[]> w = PoolingHeads.weights(DIM, INTER, 3);
        SiglipPoolingHead head = SiglipPoolingHead.read(write(w), DIM, HEADS, 1e-6);
        Random r = new Random(5);
        float[] hidden = new float[2 * PATCHES * DIM];
        for (int i = 0; i < hidden.length; i++) hidden[i] = (float) (2 * r.nextGaussian() + 0.5);
        for (int frame = 0; frame < 2; frame++) {
            SiglipPoolingHead.Output got = head.apply(hidden, frame * PATCHES * DIM, PATCHES);
            double[][] want = PoolingHeads.reference(w, java.util.Arrays.copyOfRange(hidden, frame * PATCHES * DIM, (frame + 1) * PATCHES * DIM),
                    PATCHES, DIM, HEADS, 1e-6);
            assertClose(want[0], got.attention(), 1e-5, "probe attention of frame " + frame);
            assertClose(want[1], got.embedding(), 1e-5, "embedding of frame " + frame);
            double sum = 0;
            for (float a : got.attention()) sum += a;
            assertEquals(1, sum, 1e-5, "the head-averaged attention is a distribution over the patches");
        }
    }

    @Test
    void theIdFollowsTheWeights() throws Exception {
        Map<String, float[]> w = PoolingHeads.weights(DIM, INTER, 3);
        String a = SiglipPoolingHead.read(write(w), DIM, HEADS, 1e-6).id();
        assertEquals(a, SiglipPoolingHead.read(write(w), DIM, HEADS, 1e-6).id());
        assertNotEquals(a, SiglipPoolingHead.read(write(PoolingHeads.weights(DIM, INTER, 4)), DIM, HEADS, 1e-6).id());
    }

    @Test
    void aMissingOrMisshapenTensorIsNamed() throws Exception {
        Map<String, float[]> w = new LinkedHashMap<>(PoolingHeads.weights(DIM, INTER, 3));
        w.remove("head.probe");
        Path f = write(w);
        assertEquals(f + ": no vision_model.head.probe (SigLIP's attention-pooling head)",
                assertThrows(ModelFormatException.class, () -> SiglipPoolingHead.read(f, DIM, HEADS, 1e-6)).getMessage());
        Path g = write(PoolingHeads.weights(DIM, INTER, 3));
        assertEquals(g + ": vision_model.head.mlp.fc1.weight is [96, 48], not [*, 64]",
                assertThrows(ModelFormatException.class, () -> SiglipPoolingHead.read(g, 64, HEADS, 1e-6)).getMessage());
    }

    static void assertClose(double[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what);
        double scale = 0, err = 0;
        for (int i = 0; i < want.length; i++) {
            scale = Math.max(scale, Math.abs(want[i]));
            err = Math.max(err, Math.abs(want[i] - got[i]));
        }
        if (!(err <= tol * scale)) throw new AssertionError(what + ": max abs error " + err + " exceeds " + tol + " x scale " + scale);
    }
}
