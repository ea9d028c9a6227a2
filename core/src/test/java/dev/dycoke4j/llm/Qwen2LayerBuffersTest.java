package dev.dycoke4j.llm;

import dev.dycoke4j.io.Checkpoint;
import dev.dycoke4j.io.LlavaConfig;
import dev.dycoke4j.io.Weights;
import dev.dycoke4j.kernel.Rope;
import dev.dycoke4j.pipeline.RandomCheckpoint;
import dev.dycoke4j.tensor.DType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decoder's activation buffers ({@link Qwen2Layer.Buffers}): made once per forward pass and shared by its layers,
 * so a prefill does not leave a layer's worth of garbage per layer, and a layer's rows do not depend on what the
 * buffers held before or on how many rows they have room for.
 */
class Qwen2LayerBuffersTest {
    /** Text 256 wide, 4 heads of 64 over 2 KV heads, MLP 1024, 8 layers (vision as small as it goes). */
    static final RandomCheckpoint.Spec SPEC = new RandomCheckpoint.Spec(64, 128, 1, 2, 56, 14, 256, 1024, 8, 4, 2, 640, 500, 4096, false, DType.F32);

    @TempDir
    static Path dir;
    static Checkpoint ck;
    static LlavaConfig cfg;
    static Qwen2Decoder decoder;

    @BeforeAll
    static void load() {
        RandomCheckpoint.write(dir, SPEC, 11);
        cfg = LlavaConfig.load(dir.resolve("config.json"));
        ck = Checkpoint.open(dir);
        decoder = new Qwen2Decoder(new Weights(ck), cfg);
    }

    @AfterAll
    static void close() {
        ck.close();
    }

    static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    /** One layer's activations for {@code rows} rows: x's normed copy, q, k, v, the attention output, gate and up. */
    static long bufferBytes(int rows) {
        var c = cfg.text();
        long qDim = (long) c.numHeads() * c.headDim(), kvDim = (long) c.numKvHeads() * c.headDim();
        return 4L * rows * (c.hiddenSize() + 2 * qDim + 2 * kvDim + 2L * c.intermediateSize());
    }

    @Test
    void aLayerGivesTheSameRowsThroughLargerBuffersThatHeldOtherRows() {
        var c = cfg.text();
        int T = 37, d = c.hiddenSize();
        var layer = new Qwen2Layer(new Weights(ck), c, DecoderLayout.llavaOneVision(cfg).prefix(), 2);
        var rope = new Rope(c.headDim(), c.ropeTheta());
        float[] x = random(T * d, 3), fresh = x.clone(), reused = x.clone();
        layer.forward(fresh, rope, new Qwen2Layer.Buffers(c, T), new Qwen2Layer.Rows(decoder.newCache(T), T, Positions.consecutive(0, T), null, null));

        var big = new Qwen2Layer.Buffers(c, T + 29);
        float[] other = random((T + 29) * d, 5);
        layer.forward(other, rope, big, new Qwen2Layer.Rows(decoder.newCache(T + 29), T + 29, Positions.consecutive(0, T + 29), null, null));
        for (float[] a : new float[][]{big.xb, big.q, big.k, big.v, big.att, big.gate, big.up})
            Arrays.fill(a, T * (a.length / (T + 29)), a.length, Float.NaN); // rows past T must never be read
        KvCache cache = decoder.newCache(T);
        layer.forward(reused, rope, big, new Qwen2Layer.Rows(cache, T, Positions.consecutive(0, T), null, null));

        assertEquals(T, cache.length(2));
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            assertTrue(Float.isFinite(reused[i]), "row " + i / d + " finite");
            max = Math.max(max, Math.abs(reused[i] - fresh[i]) / (1 + Math.abs(fresh[i])));
        }
        assertTrue(max <= 1e-6, "the same rows through reused buffers: largest relative difference " + max);
    }

    /**
     * Allocation is counted on the calling thread, where the buffers are made. Until the JIT has compiled the kernels,
     * their vector operations allocate too, so the least of repeated passes is taken: fresh buffers per layer can never
     * go below one layer's worth per layer, while buffers once per pass reach about one layer's worth.
     */
    @Test
    void aPrefillAllocatesOneLayersBuffersNotOnePerLayer() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int T = 96, d = cfg.text().hiddenSize();
        float[] x = random(T * d, 7);
        long layerBuffers = bufferBytes(T), least = Long.MAX_VALUE;
        for (int pass = 0; pass < 200 && least >= 2 * layerBuffers; pass++) {
            float[] run = x.clone();
            KvCache cache = decoder.newCache(T);
            long before = mx.getCurrentThreadAllocatedBytes();
            decoder.forward(run, T, cache, 1);
            least = Math.min(least, mx.getCurrentThreadAllocatedBytes() - before);
        }
        assertTrue(least < 2 * layerBuffers, "a prefill of " + T + " rows through " + SPEC.textLayers() + " layers allocated at least "
                + least + " bytes on its thread; one layer's buffers are " + layerBuffers);
    }
}
