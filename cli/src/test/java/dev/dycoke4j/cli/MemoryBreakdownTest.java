package dev.dycoke4j.cli;

import dev.dycoke4j.io.LlavaConfig;
import dev.dycoke4j.pipeline.VisionOptions;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The activation bytes {@code bench} weighs peak RSS against: the larger of prefill's and a vision batch's buffers. */
class MemoryBreakdownTest {
    @Test
    void theLargerOfPrefillAndOneVisionBatch() {
        LlavaConfig c = LlavaConfig.load(Oracle.model().resolve("config.json"));
        var t = c.text();
        var v = c.vision();
        long perToken = 4L * (2L * t.hiddenSize() + 2L * t.numHeads() * t.headDim() + 2L * t.numKvHeads() * t.headDim() + 2L * t.intermediateSize());
        long perFrame = 4L * v.numPatches() * (6L * v.hiddenSize() + v.intermediateSize());
        assertEquals(perFrame, MemoryBreakdown.activationBytes(c, 1, 1), "one frame outweighs one token");
        assertEquals(100_000 * perToken, MemoryBreakdown.activationBytes(c, 100_000, 1), "a long prompt outweighs one frame");
        assertEquals(VisionOptions.DEFAULT_BATCH * perFrame, MemoryBreakdown.activationBytes(c, 1, 64), "the vision tower takes a batch of frames at a time");
        MemoryBreakdown m = new MemoryBreakdown(300, 100, 20, 80);
        assertEquals(1.5, m.ratio(), 1e-12);
        assertEquals(Double.NaN, new MemoryBreakdown(-1, 100, 20, 80).ratio());
    }
}
