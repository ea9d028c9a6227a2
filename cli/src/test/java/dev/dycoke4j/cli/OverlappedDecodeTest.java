package dev.dycoke4j.cli;

import dev.dycoke4j.compress.CompressionOptions;
import dev.dycoke4j.compress.Method;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VideoSession;
import dev.dycoke4j.pipeline.VideoSource;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.video.SyntheticClip;
import dev.dycoke4j.video.VideoException;
import dev.dycoke4j.vision.FrameSink;
import dev.dycoke4j.vision.RgbFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Video files opened through {@link FrameSampler} as a {@link VideoSource} on the oracle model: decoding overlapped
 * with the vision tower gives the answers of frames decoded first; the cache knows a file by its bytes; a decoding
 * failure reaches the caller as one line naming the file, with no thread left behind.
 */
@Timeout(300)
class OverlappedDecodeTest {
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

    static FrameSampler sampler(Path video) {
        return new FrameSampler(video, new PrintWriter(new StringWriter(), true));
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
            for (Method m : new Method[]{Method.NONE, Method.PRUMERGE}) {
                CompressionOptions comp = CompressionOptions.of(m);
                qa.clearCaches();
                FrameSampler first = sampler(video);
                VideoSession decodedFirst = qa.open(first::frames, 8, comp, BATCH);
                qa.clearCaches();
                VideoSession overlapped = qa.open(sampler(video), 8, comp, BATCH);
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
        CompressionOptions comp = CompressionOptions.none();
        Path a = Files.copy(clip, tmp.resolve("a.mp4"));
        qa.clearCaches();
        VideoSession first = qa.open(sampler(a), 8, comp, BATCH);
        assertFalse(first.visionCached());

        VideoSession elsewhere = qa.open(sampler(Files.copy(a, tmp.resolve("copy-of-a.mp4"))), 8, comp, BATCH);
        assertTrue(elsewhere.visionCached(), "the same bytes at another path");
        assertEquals(0, elsewhere.videoSeconds().vision());
        assertArrayEquals(answer(first), answer(elsewhere));

        assertFalse(qa.open(sampler(a), 9, comp, BATCH).visionCached(), "another frame count");

        byte[] bytes = Files.readAllBytes(a);
        bytes[bytes.length / 2] ^= 1;
        Path changed = Files.write(tmp.resolve("changed.mp4"), bytes);
        assertFalse(qa.open(sampler(changed), 8, comp, BATCH).visionCached(), "one byte changed");
    }

    @Test
    void aCacheHitOfAShortVideoStillSaysItOnce() {
        StringWriter err = new StringWriter();
        FrameSampler s = new FrameSampler(shortClip, new PrintWriter(err, true));
        qa.clearCaches();
        assertFalse(qa.open(s, 40, CompressionOptions.none(), BATCH).visionCached());
        StringWriter err2 = new StringWriter();
        assertTrue(qa.open(new FrameSampler(shortClip, new PrintWriter(err2, true)), 40, CompressionOptions.none(), BATCH).visionCached());
        assertEquals(List.of(FrameSampler.notice(shortClip, 36, 40)), err.toString().lines().toList());
        assertEquals(List.of(FrameSampler.notice(shortClip, 36, 40)), err2.toString().lines().toList());
    }

    @Test
    void aFailureWhileDecodingIsOneLineAndLeavesNoThread() {
        qa.clearCaches();
        FrameSampler real = sampler(clip);
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
        VideoException e = assertThrows(VideoException.class, () -> qa.open(failing, 8, CompressionOptions.none(), BATCH));
        assertEquals(clip + ": corrupt frame after frame 3", e.getMessage());
        assertFalse(threadsLeft());
    }

    @Test
    void missingAndCorruptFilesAreTheUsualLines() throws Exception {
        Path missing = tmp.resolve("nope.mp4");
        assertEquals(missing + ": no such file",
                assertThrows(VideoException.class, () -> qa.open(sampler(missing), 8, CompressionOptions.none(), BATCH)).getMessage());
        Path junk = Files.writeString(tmp.resolve("junk.mp4"), "not a video\n".repeat(100));
        assertEquals(junk + ": not a video FFmpeg can read (Invalid data found when processing input)",
                assertThrows(VideoException.class, () -> qa.open(sampler(junk), 8, CompressionOptions.none(), BATCH)).getMessage());
        assertFalse(threadsLeft());
    }
}
