package dev.dycoke4j.vision;

import dev.dycoke4j.io.Qwen25VlVisionConfig;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.tensor.Tensor;
import dev.dycoke4j.testing.QwenVlOracle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The video preprocessing against the Qwen2.5-VL oracle (157x235 frames, 8 of them, resized to 168x224). */
class QwenVideoPreprocessorTest {
    static QwenVideoPreprocessor pre;
    static List<RgbFrame> raw, resized;
    static float[] goldenPixels;
    static long[] goldenGrid;

    @BeforeAll
    static void load() {
        pre = new QwenVideoPreprocessor(Qwen25VlVisionConfig.load(QwenVlOracle.model()).video());
        try (Safetensors g = QwenVlOracle.golden("forward.safetensors")) {
            raw = frames(g.get("video_frames_u8"));
            resized = frames(g.get("video_frames_resized_u8"));
            goldenPixels = g.get("pixel_values_videos").toFloatArray();
            goldenGrid = g.get("video_grid_thw").toLongArray();
        }
    }

    static List<RgbFrame> frames(Tensor t) {
        int n = t.dim(0), h = t.dim(1), w = t.dim(2);
        byte[] all = t.toByteArray();
        List<RgbFrame> out = new ArrayList<>();
        int size = h * w * 3;
        for (int f = 0; f < n; f++) out.add(new RgbFrame(w, h, Arrays.copyOfRange(all, f * size, (f + 1) * size)));
        return out;
    }

    @Test
    void targetSizeIsSmartResizeOfTheClip() {
        assertArrayEquals(new int[]{168, 224}, pre.targetSize(157, 235));
    }

    /** Pillow's bicubic, which the oracle used, is reproduced bit for bit: every byte of every frame is equal. */
    @Test
    void resizeEqualsTheStoredResizedFramesExactly() {
        for (int f = 0; f < raw.size(); f++) {
            RgbFrame r = pre.resize(raw.get(f));
            assertEquals(224, r.width());
            assertEquals(168, r.height());
            assertArrayEquals(resized.get(f).rgb(), r.rgb(), "frame " + f);
        }
    }

    /** From the stored resized frames: the fused rescale+normalize in float32 and the flattening, bit for bit. */
    @Test
    void pixelValuesFromTheStoredResizedFramesAreExact() {
        QwenPixels p = pre.flatten(resized);
        assertArrayEquals(new int[]{4, 12, 16}, p.gridThw());
        assertArrayEquals(new long[]{4, 12, 16}, goldenGrid);
        assertEquals(768, p.patches());
        assertEquals(goldenPixels.length, p.values().length);
        int maxUlps = 0;
        for (int i = 0; i < goldenPixels.length; i++)
            maxUlps = Math.max(maxUlps, Math.abs(Float.floatToIntBits(p.values()[i]) - Float.floatToIntBits(goldenPixels[i])));
        assertEquals(0, maxUlps, "max ulps from pixel_values_videos");
    }

    @Test
    void pixelsFromTheRawFramesEqualTheGolden() {
        QwenPixels p = pre.pixels(raw);
        assertArrayEquals(goldenPixels, p.values());
    }

    /** An odd frame count repeats the last frame, as transformers pads: 7 frames give the rows of frames ..., 6, 6. */
    @Test
    void anOddFrameCountRepeatsTheLastFrame() {
        QwenPixels seven = pre.flatten(resized.subList(0, 7));
        List<RgbFrame> padded = new ArrayList<>(resized.subList(0, 7));
        padded.add(resized.get(6));
        QwenPixels eight = pre.flatten(padded);
        assertArrayEquals(new int[]{4, 12, 16}, seven.gridThw());
        assertArrayEquals(eight.values(), seven.values());
        // the first three pairs are untouched
        assertArrayEquals(Arrays.copyOf(goldenPixels, 3 * 192 * 1176), Arrays.copyOf(seven.values(), 3 * 192 * 1176));
    }

    @Test
    void badFramesAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> pre.flatten(raw));
        assertEquals("frame size 235x157 is not a multiple of 28", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> pre.pixels(List.of()));
        assertEquals("no frames to preprocess", e.getMessage());
        List<RgbFrame> mixed = List.of(raw.get(0), new RgbFrame(10, 10, new byte[300]));
        e = assertThrows(IllegalArgumentException.class, () -> pre.pixels(mixed));
        assertEquals("frame 1 is 10x10 but frame 0 is 235x157", e.getMessage());
        List<RgbFrame> thin = List.of(new RgbFrame(2001, 10, new byte[2001 * 10 * 3]));
        e = assertThrows(IllegalArgumentException.class, () -> pre.pixels(thin));
        assertTrue(e.getMessage().contains("aspect ratio"), e.getMessage());
    }
}
