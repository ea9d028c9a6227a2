package dev.dycoke4j.video;

import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.vision.RgbFrame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Small clips made once with Debian's ffmpeg 5.1 (libx265 and libx264, which the bundled LGPL FFmpeg cannot encode)
 * from {@link Clips#frame}, and the golden clip of the oracle. The CRC32 is that of every frame decoded to RGB24 by
 * the ffmpeg CLI: {@code ffmpeg -i CLIP -fps_mode passthrough -f rawvideo -pix_fmt rgb24 out.rgb}. Matching it shows
 * that the colour matrix and range are handled as the CLI does (BT.601 limited when unspecified, BT.709 tagged,
 * full range).
 */
class FfmpegFixturesTest {
    static Path fixture(String name) {
        try {
            return Path.of(FfmpegFixturesTest.class.getResource(name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // file, codec, frames, width, height, fps, CRC32 of the ffmpeg CLI's RGB24 output
            "hevc-50x38-10f.mkv,            hevc, 10, 50, 38, 10, e447c14f", // 8-bit 4:2:0, untagged, B-frames, no frame count in MKV
            "hevc10-50x38-10f.mp4,          hevc, 10, 50, 38, 10, 688f761a", // 10-bit 4:2:0
            "h264-bt709-98x62-12f.mkv,      h264, 12, 98, 62, 12, 74227904", // High profile, B-frames, BT.709 limited range
            "h264-bt709-full-98x62-12f.mp4, h264, 12, 98, 62, 12, aeba5e49", // BT.709 full range (decodes as yuvj420p)
    })
    void decodesLikeTheFfmpegCli(String file, String codec, int frames, int w, int h, double fps, String crc) {
        Path clip = fixture(file);
        try (FfmpegDecoder d = FfmpegDecoder.open(clip)) {
            assertEquals(codec, d.codecName());
        }
        SampledVideo all = new FfmpegFrameSource().readUniform(clip, frames);
        assertEquals(frames, all.totalFrames());
        assertEquals(fps, all.fps(), 1e-9);
        CRC32 c = new CRC32();
        for (RgbFrame f : all.frames()) {
            assertEquals(w, f.width());
            assertEquals(h, f.height());
            c.update(f.rgb());
        }
        assertEquals(Long.parseLong(crc, 16), c.getValue(), "CRC32 of all RGB24 frames");

        SampledVideo some = new FfmpegFrameSource().readUniform(clip, 4);
        assertArrayEquals(UniformSampler.indices(frames, 4), some.indices());
        for (int i = 0; i < 4; i++)
            assertArrayEquals(all.frames().get(some.indices()[i]).rgb(), some.frames().get(i).rgb());
    }

    @Test
    void goldenClipGivesTheOracleBytes() throws IOException {
        Path golden = Oracle.root().resolve("golden");
        byte[] sourceBytes;
        long[] idx;
        try (Safetensors g = Oracle.golden("forward.safetensors")) {
            Tensor source = g.get("source_frames_u8");
            assertEquals(DType.U8, source.dtype());
            assertArrayEquals(new long[]{8, 64, 64, 3}, source.shape());
            sourceBytes = source.toByteArray();
            idx = g.get("sample_idx").toLongArray();
        }

        SampledVideo v = VideoReader.readUniform(golden.resolve("clip.mkv"), 8);
        assertEquals(8, v.totalFrames());
        assertEquals(8.0, v.fps(), 1e-9);
        assertFalse(v.fewerThanRequested());
        assertEquals(idx.length, v.indices().length);
        for (int i = 0; i < idx.length; i++) assertEquals(idx[i], v.indices()[i]);
        int n = 64 * 64 * 3;
        for (int f = 0; f < 8; f++) {
            RgbFrame frame = v.frames().get(f);
            assertEquals(64, frame.width());
            assertEquals(64, frame.height());
            assertArrayEquals(java.util.Arrays.copyOfRange(sourceBytes, f * n, (f + 1) * n), frame.rgb(), "frame " + f);
        }
        SampledVideo three = VideoReader.readUniform(golden.resolve("clip.mkv"), 3);
        assertArrayEquals(new int[]{0, 3, 7}, three.indices());
        assertEquals(1.0 * 3 / 8, three.timestamp(1), 1e-12);
    }
}
