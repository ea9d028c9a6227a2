package dev.dycoke4j.vision;

import dev.dycoke4j.io.Checkpoint;
import dev.dycoke4j.io.ModelFormatException;
import dev.dycoke4j.io.SafetensorsWriter;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.io.Qwen25VlVisionConfig;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.io.Weights;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.testing.QwenVlOracle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** The vision tower against the Qwen2.5-VL oracle: grid [4, 12, 16], 768 patches, 192 video tokens. */
class QwenVisionTowerTest {
    /**
     * The README's tolerance for the merger output and video_embeds. The patch embedding and the residual stream
     * (values up to 9.7) get twice that: the golden patch embedding is itself 1.06e-5 from the float64 product of
     * the same float32 pixels and weights (measured with numpy), so any float32 summation order lands about that far
     * from it (numpy's float32 GEMM: 1.19e-5).
     */
    static final double TOL = 1e-5, TOL_RESIDUAL = 2e-5;
    static final int[] GRID = {4, 12, 16};
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

    static int[] ints(String name) {
        return golden.get(name).toIntArray();
    }

    static float[] floats(String name) {
        return golden.get(name).toFloatArray();
    }

    static void assertWithin(String what, float[] actual, float[] expected, double tol) {
        float err = Oracle.maxAbsDiff(actual, expected);
        System.out.println("[qwen vision] " + what + ": max abs error " + err);
        assertTrue(err <= tol, what + ": max abs error " + err + " exceeds " + tol);
    }

    @Test
    void patchEmbeddingAsALinearOverTheFlattenedPatch() {
        // A float GEMM adds the 1176 products in another order than torch's Conv3d: equal to float rounding.
        assertWithin("vision_patch_embeds", tower.embedPatches(pixels, 768), floats("vision_patch_embeds"), TOL_RESIDUAL);
    }

    @Test
    void rotPosIdsWindowIndexAndSeqlensAreExact() {
        assertArrayEquals(ints("vision_rot_pos_ids"), QwenVisionTower.rotPosIds(GRID, 2));
        QwenWindowIndex wi = QwenWindowIndex.of(GRID, cfg);
        assertArrayEquals(ints("vision_window_index"), wi.windowIndex());
        assertArrayEquals(ints("vision_cu_window_seqlens"), wi.cuWindowSeqlens());
        assertArrayEquals(ints("vision_cu_seqlens"), wi.cuSeqlens());
        assertArrayEquals(new int[]{0, 64, 128, 160, 192}, Arrays.copyOf(wi.cuWindowSeqlens(), 5),
                "per temporal patch: windows of 64, 64, 32, 32 patches; the empty padded windows vanish");
    }

    @Test
    void windowIndexInverseUndoesTheReorder() {
        QwenWindowIndex wi = QwenWindowIndex.of(GRID, cfg);
        int[] idx = wi.windowIndex(), inv = wi.inverse();
        for (int i = 0; i < idx.length; i++) assertEquals(i, idx[inv[i]]);
    }

    @Test
    void aGridSideDivisibleByTheWindowGetsAnEmptyWindowThatVanishes() {
        // merged grid 4x4 = one window; transformers pads by a whole window (4), giving 2x2 windows of which 3 are
        // empty: cu_window_seqlens [0, 64] after unique_consecutive
        QwenWindowIndex wi = QwenWindowIndex.of(new int[]{1, 8, 8}, cfg);
        assertArrayEquals(new int[]{0, 64}, wi.cuWindowSeqlens());
        int[] identity = new int[16];
        Arrays.setAll(identity, i -> i);
        assertArrayEquals(identity, wi.windowIndex());
    }

    @Test
    void twoVideosIndexOneAfterTheOther() {
        QwenWindowIndex a = QwenWindowIndex.of(new int[]{1, 8, 8}, cfg), b = QwenWindowIndex.of(GRID, cfg);
        QwenWindowIndex both = QwenWindowIndex.of(new int[]{1, 8, 8, 4, 12, 16}, cfg);
        int[] idx = both.windowIndex();
        assertArrayEquals(a.windowIndex(), Arrays.copyOf(idx, 16));
        for (int r = 0; r < 192; r++) assertEquals(b.windowIndex()[r] + 16, idx[16 + r]);
        int[] cu = both.cuWindowSeqlens(), cuB = b.cuWindowSeqlens();
        assertEquals(2 + cuB.length - 1, cu.length);
        for (int i = 1; i < cuB.length; i++) assertEquals(cuB[i] + 64, cu[1 + i]);
        assertArrayEquals(new int[]{0, 64, 256, 448, 640, 832}, both.cuSeqlens());
    }

    @Test
    void hiddenStatesAfterEveryBlockTheMergerAndTheEmbeddings() {
        float[] hidden = floats("vision_hidden_after_block");
        float[][] seen = new float[cfg.depth()][];
        float[][] merged = new float[1][];
        float[] embeds = tower.encode(pixels, GRID, new QwenVisionTower.Observer() {
            @Override
            public void afterBlock(int block, float[] h) {
                seen[block] = h.clone();
            }

            @Override
            public void mergerOutput(float[] m) {
                merged[0] = m.clone();
            }
        });
        int per = 768 * 64;
        for (int b = 0; b < cfg.depth(); b++)
            assertWithin("hidden after block " + b, seen[b], Arrays.copyOfRange(hidden, b * per, (b + 1) * per), TOL_RESIDUAL);
        assertWithin("merger output (window order)", merged[0], floats("vision_merger_out_window_order"), TOL);
        assertWithin("video_embeds", embeds, floats("video_embeds"), TOL);
        assertEquals(192, tower.tokens(GRID));
    }

    @Test
    void windowsMatter() {
        // The same tower with every block attending over the whole temporal patch moves the output far from the golden.
        var allFull = new Qwen25VlVisionConfig(cfg.depth(), cfg.hiddenSize(), cfg.numHeads(), cfg.intermediateSize(),
                cfg.patchSize(), cfg.temporalPatchSize(), cfg.spatialMergeSize(), cfg.windowSize(), java.util.List.of(0, 1, 2, 3),
                cfg.outHiddenSize(), cfg.tokensPerSecond(), cfg.inChans(), cfg.hiddenAct(), cfg.video());
        float[] e = new QwenVisionTower(new Weights(ck), allFull).encode(pixels, GRID);
        assertTrue(Oracle.maxAbsDiff(e, floats("video_embeds")) > 0.1);
    }

    /** The tiny checkpoint's vision tensors rewritten under {@code prefix}, as {@code dtype}, into {@code dir}. */
    static void rewrite(Path dir, String prefix, DType dtype, boolean roundToBf16) throws IOException {
        Files.createDirectories(dir);
        SafetensorsWriter out = new SafetensorsWriter();
        try (Safetensors in = Safetensors.open(QwenVlOracle.model().resolve("model.safetensors"))) {
            for (var e : in.tensors().entrySet()) {
                if (!e.getKey().startsWith("visual.")) continue;
                float[] v = e.getValue().toFloatArray();
                if (roundToBf16)
                    for (int i = 0; i < v.length; i++) v[i] = Float.intBitsToFloat((SafetensorsWriter.toBf16(v[i]) & 0xffff) << 16);
                out.add(prefix + e.getKey().substring("visual.".length()), dtype, v, e.getValue().shape());
            }
        }
        out.write(dir.resolve("model.safetensors"));
    }

    static float[] encodeWith(Path dir) {
        try (Checkpoint c = Checkpoint.open(dir)) {
            return new QwenVisionTower(new Weights(c), cfg).encode(pixels, GRID);
        }
    }

    @Test
    void readsTheTransformers452LayoutAsWell(@TempDir Path tmp) throws IOException {
        rewrite(tmp, "model.visual.", DType.F32, false);
        // the same weights under other names; the threads' split of the work may move the last float bits between runs
        float err = Oracle.maxAbsDiff(tower.encode(pixels, GRID), encodeWith(tmp));
        assertTrue(err <= 1e-5f, "model.visual.* against visual.*: " + err);
    }

    @Test
    void bf16WeightsGiveWhatTheirF32WideningGives(@TempDir Path tmp) throws IOException {
        rewrite(tmp.resolve("bf16"), "visual.", DType.BF16, false);
        rewrite(tmp.resolve("widened"), "visual.", DType.F32, true);
        float[] bf16 = encodeWith(tmp.resolve("bf16")), widened = encodeWith(tmp.resolve("widened"));
        float err = Oracle.maxAbsDiff(bf16, widened);
        assertTrue(err <= TOL, "BF16 against its F32 widening: " + err);
        // and BF16 rounding of the weights does move the output: the comparison is not vacuous
        assertTrue(Oracle.maxAbsDiff(bf16, floats("video_embeds")) > 10 * TOL);
    }

    @Test
    void aCheckpointWithoutTheVisionTowerNamesTheTensor(@TempDir Path tmp) {
        new SafetensorsWriter().add("model.norm.weight", DType.F32, new float[4], 4).write(tmp.resolve("model.safetensors"));
        try (Checkpoint c = Checkpoint.open(tmp)) {
            var e = assertThrows(ModelFormatException.class, () -> new QwenVisionTower(new Weights(c), cfg));
            assertEquals(tmp.resolve("model.safetensors") + ": missing tensor 'visual.patch_embed.proj.weight'", e.getMessage());
        }
    }

    @Test
    void badInputIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> tower.encode(new float[10], GRID));
        assertEquals("pixel values hold 10 values, not 768 patches of 1176", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> tower.encode(pixels, new int[]{4, 12, 15}));
        assertEquals("video_grid_thw [4, 12, 15]: sides must be positive multiples of 2", e.getMessage());
    }
}
