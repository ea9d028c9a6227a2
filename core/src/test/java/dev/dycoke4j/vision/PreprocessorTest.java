package dev.dycoke4j.vision;

import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;
import dev.dycoke4j.testing.Oracle;

import dev.dycoke4j.io.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class PreprocessorTest {
    private static final int FRAMES = 8, SRC = 64, DST = 56;

    private static List<RgbFrame> goldenFrames(Safetensors g) {
        Tensor t = g.get("video_frames_u8");
        assertEquals(DType.U8, t.dtype());
        assertArrayEquals(new long[]{FRAMES, SRC, SRC, 3}, t.shape());
        byte[] all = t.toByteArray();
        List<RgbFrame> frames = new ArrayList<>();
        int n = SRC * SRC * 3;
        for (int f = 0; f < FRAMES; f++) frames.add(new RgbFrame(SRC, SRC, Arrays.copyOfRange(all, f * n, (f + 1) * n)));
        return frames;
    }

    @Test
    void matchesGoldenPixelValues() {
        try (Safetensors g = Oracle.golden("forward.safetensors")) {
            matchesGoldenPixelValues(g);
        }
    }

    private void matchesGoldenPixelValues(Safetensors g) {
        PreprocessorConfig cfg = PreprocessorConfig.load(Oracle.model().resolve("preprocessor_config.json"));
        assertEquals(56, cfg.height());
        assertEquals(56, cfg.width());
        Tensor expectedT = g.get("pixel_values_videos");
        assertEquals(DType.F32, expectedT.dtype());
        assertArrayEquals(new long[]{1, FRAMES, 3, DST, DST}, expectedT.shape());
        float[] expected = expectedT.toFloatArray();

        List<RgbFrame> frames = goldenFrames(g);
        Preprocessor pre = new Preprocessor(cfg);
        float[] got = pre.pixels(frames);
        assertEquals(expected.length, got.length);

        // The resized uint8 values must be exactly what PIL produced: (p*0.5+0.5)*255 is within 1e-4 of an integer.
        int plane = DST * DST;
        for (int f = 0; f < FRAMES; f++) {
            RgbFrame r = pre.resize(frames.get(f));
            for (int c = 0; c < 3; c++)
                for (int i = 0; i < plane; i++) {
                    double u = (expected[(f * 3 + c) * plane + i] * 0.5 + 0.5) * 255;
                    long want = Math.round(u);
                    assertTrue(Math.abs(u - want) < 1e-3, "golden is not a uint8 at " + f + "," + c + "," + i);
                    assertEquals(want, r.rgb()[i * 3 + c] & 0xff, "resized uint8 at frame " + f + " channel " + c + " pixel " + i);
                }
        }
        int bitExact = 0;
        for (int i = 0; i < got.length; i++) {
            assertEquals(expected[i], got[i], 1e-6, "pixel value " + i);
            if (Float.floatToRawIntBits(expected[i]) == Float.floatToRawIntBits(got[i])) bitExact++;
        }
        assertEquals(got.length, bitExact, "float32 results should be bit-exact");
    }

    @Test
    void sameSizeSkipsResizeAndLayoutIsChannelFirst() {
        byte[] rgb = new byte[2 * 3 * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (i * 14);
        RgbFrame frame = new RgbFrame(3, 2, rgb);
        PreprocessorConfig cfg = new PreprocessorConfig(2, 3, 0, 3, true, true, 1 / 255.0, true,
                new double[]{0.1, 0.2, 0.3}, new double[]{0.4, 0.5, 0.6}, true);
        Preprocessor pre = new Preprocessor(cfg);
        assertSame(frame, pre.resize(frame));
        float[] px = pre.pixels(List.of(frame, frame));
        assertEquals(2 * 3 * 2 * 3, px.length);
        float[] mean = {0.1f, 0.2f, 0.3f}, std = {0.4f, 0.5f, 0.6f};
        for (int f = 0; f < 2; f++)
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 2; y++)
                    for (int x = 0; x < 3; x++) {
                        float v = (rgb[(y * 3 + x) * 3 + c] & 0xff) * (float) (1 / 255.0);
                        float want = (v - mean[c]) / std[c];
                        assertEquals(want, px[((f * 3 + c) * 2 + y) * 3 + x], 0f);
                    }
    }

    @Test
    void rescaleAndNormalizeCanBeOff() {
        RgbFrame frame = new RgbFrame(1, 1, new byte[]{(byte) 200, 10, 0});
        PreprocessorConfig cfg = new PreprocessorConfig(1, 1, 0, 3, true, false, 1 / 255.0, false,
                new double[]{0.5, 0.5, 0.5}, new double[]{0.5, 0.5, 0.5}, true);
        assertArrayEquals(new float[]{200, 10, 0}, new Preprocessor(cfg).pixels(List.of(frame)));
    }

    @Test
    void framesOfDifferentSizesWithShortestEdgeAreRejected() {
        PreprocessorConfig cfg = new PreprocessorConfig(0, 0, 4, 3, true, true, 1 / 255.0, true,
                new double[]{0.5, 0.5, 0.5}, new double[]{0.5, 0.5, 0.5}, true);
        assertArrayEquals(new int[]{8, 4}, cfg.outputSize(16, 8));
        assertArrayEquals(new int[]{4, 6}, cfg.outputSize(20, 30));
        Preprocessor pre = new Preprocessor(cfg);
        List<RgbFrame> frames = List.of(new RgbFrame(16, 8, new byte[16 * 8 * 3]), new RgbFrame(8, 8, new byte[8 * 8 * 3]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pre.pixels(frames));
        assertTrue(e.getMessage().contains("frame 1 becomes 4x4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> pre.pixels(List.of()));
    }

    @Test
    void loadsTheOracleConfig() {
        PreprocessorConfig cfg = PreprocessorConfig.load(Oracle.model().resolve("preprocessor_config.json"));
        assertEquals(PreprocessorConfig.defaults(56), cfg);
        assertEquals(1 / 255.0, cfg.rescaleFactor());
    }

    @Test
    void missingFileAndFieldsGiveDefaults(@TempDir Path dir) throws IOException {
        assertEquals(PreprocessorConfig.defaults(384), PreprocessorConfig.load(dir.resolve("absent.json")));
        Path f = dir.resolve("preprocessor_config.json");
        Files.writeString(f, "{\"processor_class\": \"LlavaOnevisionProcessor\"}");
        PreprocessorConfig cfg = PreprocessorConfig.load(f);
        assertEquals(PreprocessorConfig.defaults(384), cfg);
        assertEquals(384, cfg.width());
        assertArrayEquals(new double[]{0.5, 0.5, 0.5}, cfg.mean());
        assertArrayEquals(new double[]{0.5, 0.5, 0.5}, cfg.std());
        assertEquals(3, cfg.resample());

        Files.writeString(f, "{\"size\": {\"shortest_edge\": 224}, \"image_mean\": [0.48145466, 0.4578275, 0.40821073],"
                + " \"image_std\": [0.26862954, 0.26130258, 0.27577711], \"do_normalize\": true, \"rescale_factor\": 0.5}");
        cfg = PreprocessorConfig.load(f);
        assertEquals(224, cfg.shortestEdge());
        assertArrayEquals(new int[]{398, 224}, cfg.outputSize(640, 360));
        assertEquals(0.48145466, cfg.mean()[0]);
        assertEquals(0.27577711, cfg.std()[2]);
        assertEquals(0.5, cfg.rescaleFactor());
    }

    @Test
    void corruptFilesNameTheFile(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("preprocessor_config.json");
        String[][] cases = {
                {"{\"size\": {\"height\": 56,", "not valid JSON"},
                {"", "not a JSON object"},
                {"[1, 2]", "not a JSON object"},
                {"{\"size\": {\"height\": \"big\", \"width\": 3}}", "height must be an integer"},
                {"{\"size\": {\"foo\": 1}}", "size needs height and width, or shortest_edge"},
                {"{\"resample\": 2}", "resample 2 is not supported"},
                {"{\"image_mean\": [0.5, 0.5]}", "image_mean must be 3 numbers"},
                {"{\"image_std\": [0.5, 0, 0.5]}", "image_std"},
                {"{\"do_rescale\": \"yes\"}", "do_rescale must be true or false"},
                {"{\"size\": {\"height\": 0, \"width\": 56}}", "preprocessor size 0x56"},
        };
        for (String[] c : cases) {
            Files.writeString(f, c[0]);
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> PreprocessorConfig.load(f), c[0]);
            assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
            assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        Path d = dir.resolve("adir.json");
        Files.createDirectory(d);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> PreprocessorConfig.load(d));
        assertTrue(e.getMessage().startsWith(d + ": cannot read"), e.getMessage());
    }
}
