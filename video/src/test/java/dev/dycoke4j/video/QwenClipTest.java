package dev.dycoke4j.video;

import dev.dycoke4j.io.Qwen25VlVisionConfig;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.testing.QwenVlOracle;
import dev.dycoke4j.vision.QwenFrameSampler;
import dev.dycoke4j.vision.QwenVideoPreprocessor;
import dev.dycoke4j.vision.RgbFrame;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** The Qwen2.5-VL oracle's clip (FFV1 in Matroska, 8 frames of 157x235 at 2 fps) through the FFmpeg reader. */
class QwenClipTest {
    @Test
    void decodingTheClipGivesExactlyTheOracleFramesAndPixels() {
        Path clip = QwenVlOracle.root().resolve("golden/clip.mkv");
        SampledVideo v = VideoReader.readUniform(clip, 8);
        assertEquals(8, v.totalFrames());
        assertEquals(2.0, v.fps(), 1e-9);
        byte[] golden;
        float[] pixels, secondPerGridTs;
        try (Safetensors g = QwenVlOracle.golden("forward.safetensors")) {
            assertArrayEquals(new long[]{8, 157, 235, 3}, g.get("video_frames_u8").shape());
            golden = g.get("video_frames_u8").toByteArray();
            pixels = g.get("pixel_values_videos").toFloatArray();
            secondPerGridTs = g.get("second_per_grid_ts").toFloatArray();
        }
        int n = 157 * 235 * 3;
        for (int f = 0; f < 8; f++) {
            RgbFrame frame = v.frames().get(f);
            assertEquals(235, frame.width());
            assertEquals(157, frame.height());
            assertArrayEquals(Arrays.copyOfRange(golden, f * n, (f + 1) * n), frame.rgb(), "frame " + f);
        }
        // the whole path from the file: all 8 frames at 2 fps are 4 pairs 1 s apart
        var sample = QwenFrameSampler.byCount(QwenFrameSampler.uniformTimestamps(v.totalFrames(), v.fps()), 8, 2);
        assertArrayEquals(v.indices(), sample.indices());
        assertEquals(1.0, sample.secondPerGridT(), 1e-12);
        assertEquals(secondPerGridTs[0], (float) sample.secondPerGridT());
        var pre = new QwenVideoPreprocessor(Qwen25VlVisionConfig.load(QwenVlOracle.model()).video());
        assertArrayEquals(pixels, pre.pixels(v.frames()).values());
    }

    /** readAt gives the frames at the indices asked for, repeats included; an index past the end is one line. */
    @Test
    void readAtGivesTheFramesAtTheIndices() {
        Path clip = QwenVlOracle.root().resolve("golden/clip.mkv");
        byte[] golden;
        try (Safetensors g = QwenVlOracle.golden("forward.safetensors")) {
            golden = g.get("video_frames_u8").toByteArray();
        }
        int n = 157 * 235 * 3;
        int[] at = {1, 4, 4, 7};
        var frames = VideoReader.readAt(clip, at);
        assertEquals(4, frames.size());
        for (int k = 0; k < at.length; k++)
            assertArrayEquals(Arrays.copyOfRange(golden, at[k] * n, (at[k] + 1) * n), frames.get(k).rgb(), "index " + at[k]);
        var e = assertThrows(VideoException.class, () -> VideoReader.readAt(clip, new int[]{3, 8}));
        assertEquals(clip + ": frame 8 wanted but only 8 frames decode", e.getMessage());
    }
}
