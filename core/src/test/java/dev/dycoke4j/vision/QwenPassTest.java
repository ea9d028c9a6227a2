package dev.dycoke4j.vision;

import dev.dycoke4j.io.Checkpoint;
import dev.dycoke4j.io.Qwen25VlVisionConfig;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.io.Weights;
import dev.dycoke4j.testing.QwenVlOracle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The Qwen2.5-VL vision tower in pieces ({@link QwenPass}) on the oracle: grid [4, 12, 16], each temporal patch's
 * windows of 64, 64, 32 and 32 patches, blocks 1 and 3 attending over whole temporal patches. The pieces are named
 * before they run, in the order the class describes; run with another video's pieces between them they give the
 * one-shot encode's embeddings bit for bit; groups smaller than a temporal patch (a full-attention block's queries
 * then see the other groups' keys) stay within the golden tolerance after every block.
 */
class QwenPassTest {
    static final int[] GRID = QwenVisionTowerTest.GRID;
    static Checkpoint ck;
    static Qwen25VlVisionConfig cfg;
    static QwenVisionTower tower;
    static Safetensors golden;
    static float[] pixels;

    @BeforeAll
    static void load() {
        cfg = Qwen25VlVisionConfig.load(QwenVlOracle.model());
        ck = Checkpoint.open(QwenVlOracle.model());
        tower = new QwenVisionTower(new Weights(ck), cfg);
        golden = QwenVlOracle.golden("forward.safetensors");
        pixels = golden.get("pixel_values_videos").toFloatArray();
    }

    @AfterAll
    static void close() {
        golden.close();
        ck.close();
    }

    /** Runs {@code pass} to its end, naming each piece before it runs; {@code between} runs after each. */
    static List<String> run(QwenPass pass, Runnable between) {
        List<String> named = new ArrayList<>();
        while (!pass.done()) {
            named.add(pass.next());
            pass.step();
            between.run();
        }
        return named;
    }

    /**
     * The pieces, by hand, of groups that are whole temporal patches ({@code perPatch} 1) or single windows
     * ({@code perPatch} 4) of the 4 temporal patches.
     */
    static List<String> pieces(int perPatch) {
        int groups = 4 * perPatch;
        List<String> p = new ArrayList<>(Collections.nCopies(groups, "embed"));
        for (int block = 0; block < 4; block++) {
            if (block == 1 || block == 3) {
                for (int t = 0; t < 4; t++) {
                    p.addAll(Collections.nCopies(perPatch, "qkv"));
                    for (int g = 0; g < perPatch; g++) p.addAll(List.of("attend-full", "out", "fc1", "fc2"));
                }
            } else {
                for (int g = 0; g < groups; g++) p.addAll(List.of("qkv", "attend", "out", "fc1", "fc2"));
            }
        }
        for (int g = 0; g < groups; g++) p.addAll(List.of("merge", "merge-out"));
        return p;
    }

    @Test
    void thePiecesAreNamedInTheirOrder() {
        QwenPass whole = tower.pass(pixels, GRID);
        assertEquals(4, whole.groups(), "a temporal patch of 192 patches is one group of at most " + QwenPass.ROWS);
        assertEquals(pieces(1), run(whole, () -> { }));
        QwenPass windows = tower.pass(pixels, GRID, 32, new QwenVisionTower.Observer() {
        });
        assertEquals(16, windows.groups(), "one window each, a window of 64 patches alone though above 32");
        assertEquals(pieces(4), run(windows, () -> { }));
        assertEquals(pieces(4).size(), windows.pieces());
    }

    @Test
    void piecesWithAnotherVideosBetweenThemGiveTheOneShotEncodeBitForBit() {
        int[] otherGrid = {2, 8, 12};
        float[] otherPixels = new float[2 * 8 * 12 * cfg.patchDim()];
        Random r = new Random(7);
        for (int i = 0; i < otherPixels.length; i++) otherPixels[i] = (float) r.nextGaussian();
        float[] want = tower.encode(pixels, GRID);
        QwenPass pass = tower.pass(pixels, GRID), other = tower.pass(otherPixels, otherGrid);
        run(pass, () -> {
            if (!other.done()) other.step();
        });
        assertArrayEquals(want, pass.embeds(), "video_embeds, bit for bit"); // JUnit compares floats by their bits
    }

    @Test
    void groupsSmallerThanATemporalPatchStayWithinTheGoldenTolerance() {
        float[] hidden = golden.get("vision_hidden_after_block").toFloatArray();
        int per = 768 * cfg.hiddenSize();
        for (int rows : new int[]{32, 100}) {
            float[][] seen = new float[cfg.depth()][];
            int[] calls = new int[1];
            QwenPass pass = tower.pass(pixels, GRID, rows, new QwenVisionTower.Observer() {
                @Override
                public void afterBlock(int block, float[] h) {
                    assertEquals(calls[0]++, block, "each block once, in order");
                    seen[block] = h.clone();
                }
            });
            // windows of 64, 64, 32, 32 per temporal patch: by 32 rows one window each; by 100, [64], [64, 32], [32]
            assertEquals(rows == 32 ? 16 : 12, pass.groups());
            run(pass, () -> { });
            assertEquals(cfg.depth(), calls[0]);
            for (int b = 0; b < cfg.depth(); b++)
                QwenVisionTowerTest.assertWithin("rows " + rows + ", hidden after block " + b, seen[b],
                        Arrays.copyOfRange(hidden, b * per, (b + 1) * per), QwenVisionTowerTest.TOL_RESIDUAL);
            QwenVisionTowerTest.assertWithin("rows " + rows + ", video_embeds", pass.embeds(), golden.get("video_embeds").toFloatArray(),
                    QwenVisionTowerTest.TOL);
        }
    }

    @Test
    void aPassRefusesAStepPastItsEndAndGivesNoEmbeddingsBeforeIt() {
        QwenPass pass = tower.pass(pixels, GRID);
        pass.step();
        assertEquals("the pass is not complete: call step() until done()", assertThrows(IllegalStateException.class, pass::embeds).getMessage());
        run(pass, () -> { });
        assertEquals("the pass is complete", assertThrows(IllegalStateException.class, pass::step).getMessage());
        assertThrows(IllegalStateException.class, pass::next);
        assertEquals(192 * cfg.outHiddenSize(), pass.embeds().length);
    }
}
