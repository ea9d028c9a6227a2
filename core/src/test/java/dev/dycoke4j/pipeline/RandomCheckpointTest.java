package dev.dycoke4j.pipeline;

import dev.dycoke4j.io.Checkpoint;
import dev.dycoke4j.tensor.DType;
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

    @Test
    void theSevenBShapeIsAboutSixteenGigabytes() {
        long b = RandomCheckpoint.Spec.qwen7b(DType.BF16).bytes();
        // Qwen2-7B's 7.6 B parameters with an untied head, SigLIP-so400m's 0.4 B and the projector, two bytes each
        assertTrue(b > 15_900_000_000L && b < 16_300_000_000L, b + " bytes");
        assertTrue(RandomCheckpoint.Spec.qwen05b(DType.BF16).bytes() < 1_800_000_000L);
    }
}
