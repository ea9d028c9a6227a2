package dev.dycoke4j.video;

import dev.dycoke4j.io.Qwen25VlConfig;
import dev.dycoke4j.llm.MropeIndex;
import dev.dycoke4j.llm.Positions;
import dev.dycoke4j.testing.QwenVlOracle;
import dev.dycoke4j.tokenizer.ChatTemplate;
import dev.dycoke4j.tokenizer.Tokenizer;
import dev.dycoke4j.vision.QwenSampling;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Qwen2.5-VL's frame timing from the file: two clips of 48 frames, one at 1 fps and one at 30 fps, sampled to the same
 * 8 frames, give temporal patches that span different seconds and so different M-RoPE temporal positions, as
 * qwen-vl-utils computes them from the frame rate.
 */
class QwenFrameTimingTest {
    static final int FRAMES = 48, SAMPLED = 8, TEMPORAL_PATCH = 2;

    @TempDir
    Path dir;

    Path clip(String name, int frames, double fps) throws Exception {
        return Clips.make(dir, new Clips.Spec(name, "matroska", "ffv1", avcodec.AV_CODEC_ID_NONE, avutil.AV_PIX_FMT_BGR0, 64, 48, frames, fps));
    }

    /** The temporal positions of the video's tokens (relative to the first), one per grid step, in a prompt of a 4x2x3 grid. */
    static int[] temporalSteps(double secondPerGridT) {
        Qwen25VlConfig cfg = Qwen25VlConfig.load(QwenVlOracle.model());
        Tokenizer tok = Tokenizer.load(QwenVlOracle.model().resolve("tokenizer.json"));
        var grid = new MropeIndex.VideoGrid(SAMPLED / TEMPORAL_PATCH, 2, 3, secondPerGridT);
        int[] ids = ChatTemplate.qwen25VlVideoPromptIds(tok, "What happens?", grid.tokens());
        int base = 0;
        while (ids[base] != cfg.videoTokenId()) base++;
        Positions p = MropeIndex.of(cfg).positions(ids, List.of(grid)).positions();
        int[] steps = new int[grid.t()];
        for (int g = 0; g < grid.t(); g++) steps[g] = p.t(base + g * grid.h() * grid.w()) - p.t(base);
        return steps;
    }

    @Test
    void aOneFpsAndAThirtyFpsClipPlaceTheSameCountDifferentlyInTime() throws Exception {
        int[][] steps = new int[2][];
        double[] fpsOf = {1, 30};
        for (int c = 0; c < 2; c++) {
            double fps = fpsOf[c];
            Path clip = clip("clip-" + (int) fps + "fps.mkv", FRAMES, fps);
            QwenVideoReader.Read r = QwenVideoReader.read(clip, QwenSampling.count(SAMPLED), TEMPORAL_PATCH);
            assertEquals(FRAMES, r.totalFrames());
            double[] t = r.timestamps();
            for (int i = 0; i < FRAMES; i++) assertEquals(i / fps, t[i], 1e-3, "frame " + i + "'s presentation time (Matroska keeps milliseconds)");
            // torch.linspace(0, 47, 8).round(): 0, 6.71, 13.43, 20.14, 26.86, 33.57, 40.29, 47
            assertArrayEquals(new int[]{0, 7, 13, 20, 27, 34, 40, 47}, r.sample().indices());
            assertEquals(SAMPLED, r.frames().size());
            // qwen-vl-utils: sample_fps = n / total · video_fps; second_per_grid_ts = temporal_patch_size / sample_fps
            double expected = TEMPORAL_PATCH / ((double) SAMPLED / FRAMES * fps);
            assertEquals(expected, r.sample().secondPerGridT(), expected * 1e-3);
            // get_rope_index: step g at floor(g · second_per_grid_t · tokens_per_second), tokens_per_second 2
            steps[c] = temporalSteps(r.sample().secondPerGridT());
            int[] want = new int[SAMPLED / TEMPORAL_PATCH];
            for (int g = 0; g < want.length; g++) want[g] = (int) Math.floor(g * expected * 2);
            assertArrayEquals(want, steps[c], fps + " fps");
        }
        // 12 s per temporal patch against 0.4 s
        assertArrayEquals(new int[]{0, 24, 48, 72}, steps[0]);
        assertArrayEquals(new int[]{0, 0, 1, 2}, steps[1]);
    }

    /**
     * A clip whose frames are not evenly spaced (frame k at k² / 30 s, in a stream whose nominal rate is 30 fps): the
     * reader gives each frame's own presentation time, and the sampled rate comes from them, not from the container.
     */
    @Test
    void unevenlyTimedFramesAreReadAtTheirOwnTimes() throws Exception {
        FfmpegLibraries.load();
        Path clip = dir.resolve("uneven.mkv");
        int n = 12, w = 64, h = 48;
        try (FFmpegFrameRecorder r = new FFmpegFrameRecorder(clip.toFile(), w, h, 0)) {
            r.setFormat("matroska");
            r.setVideoCodecName("ffv1");
            r.setPixelFormat(avutil.AV_PIX_FMT_BGR0);
            r.setFrameRate(30);
            r.start();
            for (int k = 0; k < n; k++) {
                r.setFrameNumber(k * k);
                r.recordImage(w, h, Frame.DEPTH_UBYTE, 3, w * 3, avutil.AV_PIX_FMT_RGB24, ByteBuffer.wrap(Clips.frame(k, w, h)));
            }
            r.stop();
        }
        double[] t = VideoReader.frameTimes(clip);
        assertEquals(n, t.length);
        for (int k = 0; k < n; k++) assertEquals(k * k / 30.0, t[k], 1e-3, "frame " + k);
        QwenVideoReader.Read r = QwenVideoReader.read(clip, QwenSampling.count(4), TEMPORAL_PATCH);
        // the average rate over the real timestamps, 11 frames in 121/30 s, not the stream's 30 fps
        double videoFps = (n - 1) / t[n - 1];
        assertEquals(TEMPORAL_PATCH / (4.0 / n * videoFps), r.sample().secondPerGridT(), 1e-9);
        assertEquals(2 / (4.0 / n * (11 / (121 / 30.0))), r.sample().secondPerGridT(), 1e-3);
    }

    @Test
    void byRateTheCountFollowsTheClipsDuration() throws Exception {
        // 48 s at 1 fps, 2 fps wanted: 96, capped at the 48 frames there are
        QwenVideoReader.Read slow = QwenVideoReader.read(clip("slow.mkv", FRAMES, 1), QwenSampling.rate(2), TEMPORAL_PATCH);
        assertEquals(48, slow.sample().count());
        assertEquals(2.0, slow.sample().secondPerGridT(), 1e-9);
        // 1.6 s at 30 fps, 2 fps wanted: 3.2, raised to qwen-vl-utils' minimum of 4
        QwenVideoReader.Read fast = QwenVideoReader.read(clip("fast.mkv", FRAMES, 30), QwenSampling.rate(2), TEMPORAL_PATCH);
        assertEquals(4, fast.sample().count());
        assertEquals(4, fast.frames().size());
    }

    @Test
    void aVideoTooShortForOnePairIsOneLine() throws Exception {
        Path one = clip("one.mkv", 1, 30);
        VideoException e = assertThrows(VideoException.class, () -> QwenVideoReader.read(one, QwenSampling.count(8), TEMPORAL_PATCH));
        assertEquals(one + ": the video has 1 frame, too few for one temporal patch of 2 frames", e.getMessage());
    }

    /**
     * The pipeline's source samples Qwen's frames from the file's own times: by count, or by rate once made
     * {@code byRate}, whatever count is asked for; the rate is in the timed content key, which the vision-feature cache
     * keys on. A rate source refuses uniform sampling.
     */
    @Test
    void theSourceSamplesByCountOrByRateAndKeysTheRate() throws Exception {
        Path c = clip("source.mkv", FRAMES, 1);
        VideoFileSource byCount = new VideoFileSource(c), half = byCount.byRate(0.5), two = byCount.byRate(2);
        var counted = byCount.decodeTimed(SAMPLED, TEMPORAL_PATCH);
        assertEquals(SAMPLED, counted.frames().size());
        assertEquals(TEMPORAL_PATCH / ((double) SAMPLED / FRAMES), counted.secondsPerStep(), 1e-6);
        // 48 s at 0.5 fps: 24 frames, 4 s per temporal patch, whatever count is asked for
        var rated = half.decodeTimed(SAMPLED, TEMPORAL_PATCH);
        assertEquals(24, rated.frames().size());
        assertEquals(4.0, rated.secondsPerStep(), 1e-6);
        assertEquals(24, QwenVideoReader.count(c, QwenSampling.rate(0.5), TEMPORAL_PATCH));
        String k = byCount.timedContentKey(SAMPLED, TEMPORAL_PATCH), kHalf = half.timedContentKey(SAMPLED, TEMPORAL_PATCH),
                kTwo = two.timedContentKey(SAMPLED, TEMPORAL_PATCH);
        assertEquals(3, java.util.Set.of(k, kHalf, kTwo).size(), "count, 0.5 fps and 2 fps are three keys");
        assertEquals(kHalf, byCount.byRate(0.5).timedContentKey(SAMPLED, TEMPORAL_PATCH));
        assertThrows(IllegalArgumentException.class, () -> byCount.byRate(0));
        assertThrows(IllegalStateException.class, () -> half.contentKey(SAMPLED));
    }
}
