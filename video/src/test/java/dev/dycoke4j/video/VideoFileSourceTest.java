package dev.dycoke4j.video;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VideoSession;
import dev.dycoke4j.pipeline.VideoSource;
import dev.dycoke4j.pipeline.VisionOptions;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.vision.FrameSink;
import dev.dycoke4j.vision.RgbFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Video files opened through {@link VideoFileSource} as a {@link VideoSource} on the oracle model: decoding overlapped
 * with the vision tower gives the answers of frames decoded first; the cache knows a file by its bytes; a short video
 * is reported once per frame count, a cache hit included; a decoding failure reaches the caller as one line naming the
 * file, with no thread left behind.
 */
@Timeout(300)
class VideoFileSourceTest {
    static final int BATCH = 3;
    static final GenerationOptions OPTS = GenerationOptions.greedy(6);
    static VideoQa qa;

    @TempDir
    static Path tmp;
    static Path clip, shortClip;

    @BeforeAll
    static void setUp() {
        qa = VideoQa.load(Oracle.root().resolve("tiny-llava-ov"));
        clip = tmp.resolve("clip.mp4");
        SyntheticClip.write(clip, 64, 48, 300, 30);        // its container's frame count is right
        shortClip = tmp.resolve("short.mp4");
        SyntheticClip.write(shortClip, 64, 48, 37, 10);   // its container says one frame more than decodes
    }

    @AfterAll
    static void close() {
        qa.close();
    }

    static VideoFileSource sampler(Path video) {
        return new VideoFileSource(video);
    }

    /** What a {@link VideoFileSource.Shortfall} was told, one "video total requested" line per call. */
    static final class Reports implements VideoFileSource.Shortfall {
        final List<String> lines = new ArrayList<>();

        @Override
        public synchronized void fewerFrames(Path video, int total, int requested) {
            lines.add(video + " " + total + " " + requested);
        }
    }

    static int[] answer(VideoSession s) {
        return s.ask("What happens in this video?", OPTS, null).tokenIds();
    }

    static boolean threadsLeft() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.isAlive() && (t.getName().equals("dycoke-decode") || t.getName().equals("dycoke-preprocess")));
    }

    @Test
    void overlappedDecodingAnswersAsFramesDecodedFirst() {
        for (Path video : List.of(clip, shortClip))
            for (String m : new String[]{"none", "prumerge"}) {
                CompressionMethod comp = CompressionMethods.spec(m).defaults();
                qa.clearCaches();
                VideoFileSource first = sampler(video);
                VideoSession decodedFirst = qa.open(first::frames, new VisionOptions(8, BATCH), comp);
                qa.clearCaches();
                VideoSession overlapped = qa.open(sampler(video), new VisionOptions(8, BATCH), comp);
                assertFalse(overlapped.visionCached());
                assertEquals(decodedFirst.frames(), overlapped.frames());
                assertEquals(decodedFirst.visualTokens(), overlapped.visualTokens());
                assertArrayEquals(answer(decodedFirst), answer(overlapped), video + " " + m);
                assertTrue(overlapped.videoSeconds().decodeVideo() > 0);
            }
        assertFalse(threadsLeft());
    }

    @Test
    void theCacheKnowsAFileByItsBytes() throws Exception {
        CompressionMethod comp = CompressionMethods.none();
        Path a = Files.copy(clip, tmp.resolve("a.mp4"));
        qa.clearCaches();
        VideoSession first = qa.open(sampler(a), new VisionOptions(8, BATCH), comp);
        assertFalse(first.visionCached());

        VideoSession elsewhere = qa.open(sampler(Files.copy(a, tmp.resolve("copy-of-a.mp4"))), new VisionOptions(8, BATCH), comp);
        assertTrue(elsewhere.visionCached(), "the same bytes at another path");
        assertEquals(0, elsewhere.videoSeconds().vision());
        assertArrayEquals(answer(first), answer(elsewhere));

        assertFalse(qa.open(sampler(a), new VisionOptions(9, BATCH), comp).visionCached(), "another frame count");

        byte[] bytes = Files.readAllBytes(a);
        bytes[bytes.length / 2] ^= 1;
        Path changed = Files.write(tmp.resolve("changed.mp4"), bytes);
        assertFalse(qa.open(sampler(changed), new VisionOptions(8, BATCH), comp).visionCached(), "one byte changed");
    }

    @Test
    void aCacheHitOfAShortVideoStillSaysItOnce() {
        Reports first = new Reports(), second = new Reports();
        qa.clearCaches();
        assertFalse(qa.open(new VideoFileSource(shortClip, first), new VisionOptions(40, BATCH), CompressionMethods.none()).visionCached());
        assertTrue(qa.open(new VideoFileSource(shortClip, second), new VisionOptions(40, BATCH), CompressionMethods.none()).visionCached());
        assertEquals(List.of(shortClip + " 36 40"), first.lines);
        assertEquals(List.of(shortClip + " 36 40"), second.lines);
    }

    @Test
    void aShortVideoIsReportedOncePerFrameCount() {
        Path golden = Oracle.root().resolve("golden/clip.mkv");
        Reports reports = new Reports();
        VideoFileSource source = new VideoFileSource(golden, reports);
        for (int n : new int[]{12, 8, 12, 16, 12}) {
            SampledVideo v = source.read(n);
            assertEquals(Math.min(n, 8), v.frames().size());
            assertEquals(n > 8, v.fewerThanRequested());
        }
        assertEquals(List.of(golden + " 8 12", golden + " 8 16"), reports.lines);
        assertEquals(golden, source.path());
    }

    @Test
    void aFailureWhileDecodingIsOneLineAndLeavesNoThread() {
        qa.clearCaches();
        VideoFileSource real = sampler(clip);
        VideoSource failing = new VideoSource() {
            @Override
            public String contentKey(int frames) {
                return real.contentKey(frames);
            }

            @Override
            public List<RgbFrame> decode(int frames, FrameSink sink) {
                return real.decode(frames, new FrameSink() {
                    int seen;

                    @Override
                    public void expect(int n) {
                        sink.expect(n);
                    }

                    @Override
                    public void accept(RgbFrame f) {
                        if (++seen == 4) throw new VideoException(clip + ": corrupt frame after frame 3");
                        sink.accept(f);
                    }
                });
            }

            @Override
            public void cached(int frames, int used) {
                real.cached(frames, used);
            }
        };
        VideoException e = assertThrows(VideoException.class, () -> qa.open(failing, new VisionOptions(8, BATCH), CompressionMethods.none()));
        assertEquals(clip + ": corrupt frame after frame 3", e.getMessage());
        assertFalse(threadsLeft());
    }

    @Test
    void missingAndCorruptFilesAreTheUsualLines() throws Exception {
        Path missing = tmp.resolve("nope.mp4");
        assertEquals(missing + ": no such file",
                assertThrows(VideoException.class, () -> qa.open(sampler(missing), new VisionOptions(8, BATCH), CompressionMethods.none())).getMessage());
        Path junk = Files.writeString(tmp.resolve("junk.mp4"), "not a video\n".repeat(100));
        assertEquals(junk + ": not a video FFmpeg can read (Invalid data found when processing input)",
                assertThrows(VideoException.class, () -> qa.open(sampler(junk), new VisionOptions(8, BATCH), CompressionMethods.none())).getMessage());
        assertFalse(threadsLeft());
    }
}
