package dev.dycoke4j.pipeline;

import dev.dycoke4j.io.Checkpoint;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.vision.SiglipPoolingHead;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link RandomCheckpoint.Spec#bytes}: the size {@code bench} announces before writing is the size written. */
class RandomCheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void theAnnouncedBytesAreTheTensorBytesWritten() {
        RandomCheckpoint.Spec[] specs = {RandomCheckpoint.Spec.demo(), SevenBLayoutTest.SPEC,
                new RandomCheckpoint.Spec(64, 128, 2, 2, 56, 14, 96, 192, 2, 6, 2, 600, 500, 4096, true, DType.F32)};
        for (int i = 0; i < specs.length; i++) {
            Path d = tmp.resolve("m" + i);
            RandomCheckpoint.write(d, specs[i], 1);
            try (Checkpoint ck = Checkpoint.open(d)) {
                assertEquals(ck.totalBytes(), specs[i].bytes(), "spec " + i);
            }
        }
    }

    /** Beside the weights, a random SigLIP pooling head of the tower's shape, which FastVID runs with on the checkpoint. */
    @Test
    void theCheckpointCarriesAPoolingHeadOfItsTowersShape() {
        RandomCheckpoint.Spec spec = RandomCheckpoint.Spec.demo();
        Path d = tmp.resolve("demo");
        RandomCheckpoint.write(d, spec, 1);
        SiglipPoolingHead head = SiglipPoolingHead.read(d.resolve(SiglipPoolingHead.BESIDE), spec.visionHidden(), spec.visionHeads(), 1e-6);
        assertEquals(spec.visionHidden(), head.dim());
        try (VideoQa qa = VideoQa.load(d)) {
            qa.poolingHead(head);
            int frames = 4, size = spec.imageSize();
            float[] pixels = new float[frames * 3 * size * size];
            java.util.SplittableRandom r = new java.util.SplittableRandom(3);
            for (int i = 0; i < pixels.length; i++) pixels[i] = (float) (r.nextDouble() * 2 - 1);
            Answer a = qa.answerFromPixels(pixels, VisionOptions.of(frames), "What happens?", null, GenerationOptions.greedy(2),
                    dev.dycoke4j.compress.CompressionMethods.parse("fastvid", java.util.Map.of("ratio", "0.5", "dyseg_c", "2")), null, null);
            assertEquals("fastvid", a.stats().method());
            assertTrue(a.stats().visualKept() < a.stats().visualTokens());
        }
    }

    @Test
    void theSevenBShapeIsAboutSixteenGigabytes() {
        long b = RandomCheckpoint.Spec.qwen7b(DType.BF16).bytes();
        // Qwen2-7B's 7.6 B parameters with an untied head, SigLIP-so400m's 0.4 B and the projector, two bytes each
        assertTrue(b > 15_900_000_000L && b < 16_300_000_000L, b + " bytes");
        assertTrue(RandomCheckpoint.Spec.qwen05b(DType.BF16).bytes() < 1_800_000_000L);
    }
}
