package dev.dycoke4j.video;

import dev.dycoke4j.testing.Oracle;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Every class of bad input gives a VideoException with one line naming the file and the problem. */
class FfmpegErrorsTest {
    @TempDir
    Path dir;

    private static String fails(Path p, int n) {
        VideoException e = assertThrows(VideoException.class, () -> new FfmpegFrameSource().readUniform(p, n));
        String m = e.getMessage();
        assertTrue(m.startsWith(p.toString() + ": "), m);
        assertFalse(m.contains("\n"), m);
        return m;
    }

    @Test
    void missingFile() {
        assertEquals(dir.resolve("nope.mp4") + ": no such file", fails(dir.resolve("nope.mp4"), 8));
    }

    @Test
    void emptyFile() throws Exception {
        Path p = Files.createFile(dir.resolve("empty.mp4"));
        assertEquals(p + ": empty file, not a video", fails(p, 8));
    }

    @Test
    void folderGivenAsAVideoFile() {
        assertEquals(dir + ": is a folder, not a video file", fails(dir, 8));
    }

    @Test
    void textFileNamedMp4() throws Exception {
        Path p = dir.resolve("notes.mp4");
        Files.writeString(p, "These are not the frames you are looking for.\n".repeat(50));
        assertEquals(p + ": not a video FFmpeg can read (Invalid data found when processing input)", fails(p, 8));
    }

    @Test
    void textAndBinaryFilesAreNotTextArtVideos() throws Exception {
        Path txt = dir.resolve("readme.txt");
        Files.writeString(txt, "hello\n".repeat(100));
        assertEquals(txt + ": not a video (FFmpeg would render it as ansi text art)", fails(txt, 8));
        Path bin = dir.resolve("random.bin");
        byte[] b = new byte[200_000];
        new Random("random.bin".hashCode()).nextBytes(b); // bytes that FFmpeg's probe hands to the "bin" demuxer
        Files.write(bin, b);
        assertEquals(bin + ": not a video (FFmpeg would render it as bintext text art)", fails(bin, 8));
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES) // a guard against hanging on garbage, not a speed test
    void randomBytes() throws Exception {
        for (String name : new String[]{"random.mp4", "random.mkv", "random.webm", "random.avi", "random"}) {
            Path p = dir.resolve(name);
            byte[] b = new byte[200_000];
            new Random(name.hashCode()).nextBytes(b);
            Files.write(p, b);
            String m = fails(p, 8);
            assertTrue(m.contains("not a video FFmpeg can read") || m.contains("has no video stream")
                    || m.contains("no decodable video frames"), m);
        }
    }

    @Test
    void badFrameCounts() throws Exception {
        Path clip = Oracle.root().resolve("golden/clip.mkv");
        for (int n : new int[]{0, -3}) {
            assertEquals(clip + ": asked for " + n + " frames; the number of frames must be at least 1", fails(clip, n));
            assertThrows(VideoException.class, () -> VideoReader.readUniform(dir, 0));
        }
        // checked before anything else, even for a missing file
        assertTrue(fails(dir.resolve("missing.mp4"), 0).contains("must be at least 1"));
    }

    @Test
    void videoWithoutFrames() throws Exception {
        // AVI keeps a video stream with no frames in it
        Path avi = Clips.make(dir, new Clips.Spec("empty.avi", "avi", "mpeg4", 0, org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P, 32, 32, 0, 10));
        assertTrue(Files.size(avi) > 0);
        assertEquals(avi + ": no decodable video frames", fails(avi, 8));
        // Matroska with only a header: FFmpeg meets the end of the file while reading the stream information
        Path mkv = Clips.make(dir, new Clips.Spec("empty.mkv", "matroska", "ffv1", 0, org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR0, 32, 32, 0, 10));
        assertEquals(mkv + ": not a video FFmpeg can read (End of file)", fails(mkv, 8));
        // MP4 drops the track's parameters when it has no samples
        Path mp4 = Clips.make(dir, new Clips.Spec("empty.mp4", "mp4", "mpeg4", 0, org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P, 32, 32, 0, 10));
        assertEquals(mp4 + ": has no video stream", fails(mp4, 8));
    }

    @Test
    void audioOnlyFile() throws Exception {
        Path p = dir.resolve("tone.wav");
        try (FFmpegFrameRecorder r = new FFmpegFrameRecorder(p.toFile(), 1)) {
            r.setSampleRate(8000);
            r.start();
            short[] samples = new short[8000];
            for (int i = 0; i < samples.length; i++) samples[i] = (short) (8000 * Math.sin(i * 0.3));
            r.recordSamples(8000, 1, ShortBuffer.wrap(samples));
            r.stop();
        }
        assertEquals(p + ": has no video stream", fails(p, 8));
    }

    @Test
    void truncatedMp4LosesItsIndex() throws Exception {
        Path full = Clips.make(dir, new Clips.Spec("cut.mp4", "mp4", "mpeg4", 0, org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P, 64, 48, 30, 10));
        byte[] b = Files.readAllBytes(full);
        Files.write(full, Arrays.copyOf(b, b.length / 2)); // the moov box is at the end
        String m = fails(full, 8);
        assertTrue(m.contains("not a video FFmpeg can read") || m.contains("no decodable video frames"), m);
    }

    /** A cut Matroska file still decodes its first frames; its header still claims the full duration. */
    @Test
    void truncatedMkvUsesTheFramesThatReallyDecode() throws Exception {
        Clips.Spec spec = new Clips.Spec("cut.mkv", "matroska", "ffv1", 0, org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR0, 64, 48, 40, 10);
        Path p = Clips.make(dir, spec);
        SampledVideo whole = new FfmpegFrameSource().readUniform(p, 40);
        assertEquals(40, whole.totalFrames());
        byte[] b = Files.readAllBytes(p);
        Path cut = dir.resolve("cut-short.mkv");
        Files.write(cut, Arrays.copyOf(b, (int) (b.length * 0.6)));
        try (FfmpegDecoder d = FfmpegDecoder.open(cut)) {
            assertEquals(40, d.estimatedFrames(), "the header still says 4 s at 10 fps");
        }
        SampledVideo v = new FfmpegFrameSource().readUniform(cut, 8);
        assertTrue(v.totalFrames() > 8 && v.totalFrames() < 40, "total " + v.totalFrames());
        assertArrayEquals(UniformSampler.indices(v.totalFrames(), 8), v.indices());
        for (int i = 0; i < 8; i++)
            assertArrayEquals(whole.frames().get(v.indices()[i]).rgb(), v.frames().get(i).rgb(), "frame " + v.indices()[i]);
    }

    @Test
    void corruptMiddleDoesNotCrash() throws Exception {
        Path p = Clips.make(dir, new Clips.Spec("damaged.mp4", "mp4", "libopenh264", 0, org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P, 64, 48, 30, 10));
        byte[] b = Files.readAllBytes(p);
        Random rnd = new Random(3);
        for (int i = b.length / 4; i < b.length / 2; i += 7) b[i] = (byte) rnd.nextInt(); // damage packets, keep moov
        Files.write(p, b);
        try {
            SampledVideo v = new FfmpegFrameSource().readUniform(p, 8);
            assertTrue(v.totalFrames() > 0);
        } catch (VideoException e) {
            assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
        }
    }

    @Test
    void fewerFramesThanRequestedUsesEachOnceAndSaysSoWithoutPrinting() {
        Path clip = Oracle.root().resolve("golden/clip.mkv");
        SystemErr<SampledVideo> read = SystemErr.capture(() -> new FfmpegFrameSource().readUniform(clip, 32));
        SampledVideo v = read.value();
        assertTrue(v.fewerThanRequested());
        assertEquals(8, v.totalFrames());
        assertEquals(8, v.frames().size());
        assertArrayEquals(new int[]{0, 1, 2, 3, 4, 5, 6, 7}, v.indices());
        assertEquals("", read.printed(), "the library leaves reporting to its caller");
    }
}
