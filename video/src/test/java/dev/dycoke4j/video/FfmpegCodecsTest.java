package dev.dycoke4j.video;

import dev.dycoke4j.vision.RgbFrame;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Clips encoded in the test with each codec the bundled FFmpeg can encode, decoded back and checked. */
class FfmpegCodecsTest {
    @TempDir
    static Path dir;

    static List<Object[]> specs() {
        int none = avcodec.AV_CODEC_ID_NONE;
        return List.of(
                new Object[]{new Clips.Spec("h264.mp4", "mp4", "libopenh264", none, avutil.AV_PIX_FMT_YUV420P, 50, 38, 30, 10), "h264", 24},
                new Object[]{new Clips.Spec("h264-98x62.mp4", "mp4", "libopenh264", none, avutil.AV_PIX_FMT_YUV420P, 98, 62, 25, 25), "h264", 24},
                new Object[]{new Clips.Spec("vp9.webm", "webm", "libvpx-vp9", none, avutil.AV_PIX_FMT_YUV420P, 98, 61, 20, 30), "vp9", 24},
                new Object[]{new Clips.Spec("vp8.webm", "webm", "libvpx", none, avutil.AV_PIX_FMT_YUV420P, 50, 38, 17, 30), "vp8", 24},
                new Object[]{new Clips.Spec("mjpeg.avi", "avi", "mjpeg", none, avutil.AV_PIX_FMT_YUVJ420P, 98, 61, 21, 15), "mjpeg", 24},
                new Object[]{new Clips.Spec("anim.gif", "gif", "gif", none, avutil.AV_PIX_FMT_RGB8, 50, 38, 12, 10), "gif", 8},
                new Object[]{new Clips.Spec("mpeg4-bframes.mp4", "mp4", "mpeg4", none, avutil.AV_PIX_FMT_YUV420P, 98, 62, 40, 24), "mpeg4", 24},
                new Object[]{new Clips.Spec("av1.mkv", "matroska", "libaom-av1", none, avutil.AV_PIX_FMT_YUV420P, 50, 38, 10, 10), "av1", 24},
                new Object[]{new Clips.Spec("ffv1.mkv", "matroska", "ffv1", none, avutil.AV_PIX_FMT_BGR0, 98, 61, 9, 8), "ffv1", 0},
                new Object[]{new Clips.Spec("png.mov", "mov", "png", none, avutil.AV_PIX_FMT_RGB24, 34, 21, 9, 5), "png", 0});
    }

    @ParameterizedTest(name = "{1} {0}")
    @MethodSource("specs")
    void decodesWhatWasEncoded(Clips.Spec spec, String codec, int tolerance) throws Exception {
        Path clip = Clips.make(dir, spec);
        try (FfmpegDecoder d = FfmpegDecoder.open(clip)) {
            assertEquals(codec, d.codecName(), "the stream's codec");
        }
        SampledVideo v = new FfmpegFrameSource().readUniform(clip, 8);
        assertEquals(spec.frames(), v.totalFrames(), "decodable frames");
        assertArrayEquals(UniformSampler.indices(spec.frames(), 8), v.indices());
        assertFalse(v.fewerThanRequested());
        assertEquals(spec.fps(), v.fps(), 0.01);
        for (int i = 0; i < v.frames().size(); i++) {
            RgbFrame f = v.frames().get(i);
            int index = v.indices()[i];
            assertEquals(spec.width(), f.width());
            assertEquals(spec.height(), f.height());
            int h = Clips.SQUARE / 2;
            int[] red = Clips.redAt(index, spec.width(), spec.height());
            int[] green = Clips.greenAt(index, spec.width(), spec.height());
            assertColour(Clips.RED, f, red[0] + h, red[1] + h, tolerance, spec + " frame " + index + " red square");
            assertColour(Clips.GREEN, f, green[0] + h, green[1] + h, tolerance, spec + " frame " + index + " green square");
            assertColour(Clips.BACKGROUND, f, spec.width() / 2, spec.height() - 4, tolerance, spec + " frame " + index + " background");
        }
    }

    static void assertColour(int[] want, RgbFrame f, int x, int y, int tolerance, String what) {
        for (int c = 0; c < 3; c++) {
            int got = f.at(x, y, c);
            assertTrue(Math.abs(got - want[c]) <= tolerance,
                    what + " at (" + x + "," + y + ") channel " + c + ": " + got + " vs " + want[c]);
        }
    }
}
