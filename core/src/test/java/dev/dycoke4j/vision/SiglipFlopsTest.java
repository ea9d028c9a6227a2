package dev.dycoke4j.vision;

import dev.dycoke4j.io.LlavaConfig;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link SiglipVisionTower#flopsPerFrame}, the work behind the vision rate {@code dycoke bench} prints. */
class SiglipFlopsTest {
    @Test
    void theOracleTowersProductsCountedByHand() {
        LlavaConfig cfg = LlavaConfig.load(Oracle.model().resolve("config.json"));
        // 49 patches of 3x8x8 into 48; 2 layers (feature layer -1 of 2) of q, k, v, o (48x48), MLP 48-96-48, and
        // QKᵀ and PV over 49 patches
        double patch = 2.0 * 49 * 192 * 48;
        double layer = 2.0 * 49 * 48 * (4 * 48 + 2 * 96) + 2 * (2.0 * 49 * 49 * 48);
        assertEquals(patch + 2 * layer, SiglipVisionTower.flopsPerFrame(cfg), 0.0);
    }
}
