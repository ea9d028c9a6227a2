package dev.dycoke4j.video;

import dev.dycoke4j.vision.FrameSink;
import dev.dycoke4j.vision.RgbFrame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Streaming: the frames handed over as they decode are the returned sample when the container's count is right, the
 * returned sample is readUniform's either way, and an interrupted decode stops with one line naming the file.
 */
@Timeout(120)
class StreamUniformTest {
    @TempDir
    Path dir;

    /** What a sink saw: the prediction and the frames. */
    static class Recorder implements FrameSink {
        int expected = -1;
        final List<RgbFrame> frames = new ArrayList<>();

        @Override
        public void expect(int n) {
            assertEquals(-1, expected, "expect is called once");
            assertTrue(frames.isEmpty(), "expect comes first");
            expected = n;
        }

        @Override
        public void accept(RgbFrame f) {
            frames.add(f);
        }
    }

    static void assertSameSample(SampledVideo want, SampledVideo got) {
        assertArrayEquals(want.indices(), got.indices());
        assertEquals(want.totalFrames(), got.totalFrames());
        assertEquals(want.fewerThanRequested(), got.fewerThanRequested());
        for (int i = 0; i < want.frames().size(); i++) assertArrayEquals(want.frames().get(i).rgb(), got.frames().get(i).rgb());
    }

    @Test
    void anMp4sFrameCountPredictsTheSampleSoTheFramesHandedOverAreIt() {
        Path clip = dir.resolve("clip.mp4");
        SyntheticClip.write(clip, 64, 48, 300, 30); // (shorter synthetic clips decode one frame fewer than their count)
        try (FfmpegDecoder d = FfmpegDecoder.open(clip)) {
            assertEquals(d.estimatedFrames(), d.decode((i, x) -> true), "the container's count is right");
        }
        for (int n : new int[]{1, 8, 300, 320}) {
            Recorder r = new Recorder();
            SampledVideo v = VideoReader.streamUniform(clip, n, r);
            assertEquals(v.frames().size(), r.expected);
            assertEquals(v.frames().size(), r.frames.size());
            for (int i = 0; i < r.frames.size(); i++) assertSame(v.frames().get(i), r.frames.get(i));
            assertSameSample(VideoReader.readUniform(clip, n), v);
        }
    }

    @Test
    void aWrongFrameCountHandsOverOtherFramesButReturnsReadUniforms() {
        Path clip = dir.resolve("short.mp4");
        SyntheticClip.write(clip, 64, 48, 37, 10); // its container says 37 frames, 36 decode
        Recorder r = new Recorder();
        SampledVideo v = VideoReader.streamUniform(clip, 8, r);
        assertEquals(8, r.expected);
        assertEquals(36, v.totalFrames());
        assertSameSample(VideoReader.readUniform(clip, 8), v);
        assertNotEquals(List.of(v.frames()), List.of(r.frames), "the early frames are not the sample");
    }

    @Test
    void withoutAFrameCountTheReturnedSampleIsStillReadUniforms() {
        for (String name : new String[]{"hevc-50x38-10f.mkv", "h264-bt709-98x62-12f.mkv"}) {
            Path clip = FfmpegFixturesTest.fixture(name);
            Recorder r = new Recorder();
            SampledVideo v = VideoReader.streamUniform(clip, 4, r);
            assertSameSample(VideoReader.readUniform(clip, 4), v);
            assertTrue(r.frames.size() <= Math.max(r.expected, 0), "no more frames than predicted");
        }
    }

    @Test
    void aFolderHandsOverExactlyItsSample() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("frames"));
        for (int f = 0; f < 5; f++)
            javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(8, 6, java.awt.image.BufferedImage.TYPE_3BYTE_BGR), "png",
                    folder.resolve("frame_" + f + ".png").toFile());
        Recorder r = new Recorder();
        SampledVideo v = VideoReader.streamUniform(folder, 3, r);
        assertEquals(3, r.expected);
        for (int i = 0; i < 3; i++) assertSame(v.frames().get(i), r.frames.get(i));
    }

    @Test
    void anInterruptedDecodeStopsWithOneLine() throws Exception {
        Path clip = dir.resolve("long.mp4");
        SyntheticClip.write(clip, 64, 48, 60, 10);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().unstarted(() -> {
            try {
                VideoReader.streamUniform(clip, 8, new Recorder() {
                    @Override
                    public void accept(RgbFrame f) {
                        super.accept(f);
                        Thread.currentThread().interrupt(); // as StreamedFrames.close does
                    }
                });
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        t.join();
        VideoException e = assertInstanceOf(VideoException.class, failure.get());
        assertEquals(clip + ": decoding interrupted", e.getMessage());
    }

    @Test
    void theContentKeyIsTheBytesTheFrameCountAndTheDecoder() throws Exception {
        Path a = dir.resolve("a.mp4");
        SyntheticClip.write(a, 64, 48, 20, 10);
        Path b = Files.copy(a, dir.resolve("elsewhere.mp4"));
        assertEquals(ContentKey.of(a, 8), ContentKey.of(b, 8), "same bytes, another path");
        assertEquals(64, ContentKey.of(a, 8).length());
        assertNotEquals(ContentKey.of(a, 8), ContentKey.of(a, 9), "another frame count");
        byte[] bytes = Files.readAllBytes(b);
        bytes[bytes.length / 2] ^= 1;
        Files.write(b, bytes);
        assertNotEquals(ContentKey.of(a, 8), ContentKey.of(b, 8), "one byte changed");
        assertTrue(ContentKey.DECODER.contains("ffmpeg 8") || ContentKey.DECODER.endsWith("unknown"), ContentKey.DECODER);
        assertNull(VideoReader.contentKey(dir, 8), "a folder is keyed by its frames");
    }

    @Test
    void theContentKeyOfAMissingFileIsTheUsualLine() {
        Path p = dir.resolve("nope.mp4");
        assertEquals(p + ": no such file", assertThrows(VideoException.class, () -> VideoReader.contentKey(p, 8)).getMessage());
        assertEquals(p + ": asked for 0 frames; the number of frames must be at least 1",
                assertThrows(VideoException.class, () -> ContentKey.of(p, 0)).getMessage());
    }
}
