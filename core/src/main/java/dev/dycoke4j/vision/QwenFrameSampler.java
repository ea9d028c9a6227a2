package dev.dycoke4j.vision;

/**
 * Which frames of a video Qwen2.5-VL sees, and how far apart in time its temporal patches are, as qwen-vl-utils'
 * {@code fetch_video} decides it (QwenLM/Qwen2.5-VL, {@code qwen-vl-utils/src/qwen_vl_utils/vision_process.py}).
 * Pure: the caller passes the presentation time of every decodable frame.
 *
 * <ul>
 *   <li>The video's rate is the average over its timestamps, {@code (total − 1) / (last − first)}: the container's
 *       rate for a constant-rate file, and the real one when the container says something else.</li>
 *   <li>{@link #byFps}: {@code smart_nframes} with {@code fps}:
 *       {@code floor_by_factor(min(max(total / video_fps · fps, 4), floor_by_factor(min(768, total), 2), total), 2)}.</li>
 *   <li>{@link #byCount}: a fixed, even count (qwen-vl-utils' {@code nframes}); fewer when the video has fewer frames
 *       (all of them, rounded down to a pair), as the LLaVA path takes every frame of a short video.</li>
 *   <li>Indices are {@code torch.linspace(0, total − 1, n).round()}: the linspace in float32 as torch computes it
 *       (from the start for the first half, from the end for the second), rounded half to even.</li>
 *   <li>The sampled rate is qwen-vl-utils' {@code sample_fps = n / total · video_fps}, and
 *       {@code second_per_grid_ts = temporal_patch_size / sample_fps}: a temporal patch of a 1 fps clip spans more
 *       seconds than one of a 30 fps clip sampled to the same count.</li>
 * </ul>
 */
public final class QwenFrameSampler {
    /** qwen-vl-utils' FPS_MIN_FRAMES and FPS_MAX_FRAMES. */
    public static final int MIN_FRAMES = 4, MAX_FRAMES = 768;

    private QwenFrameSampler() {
    }

    /**
     * The chosen frames.
     *
     * @param indices         frame indices into the video, ascending (repeats possible only for very short videos)
     * @param sampleFps       frames per second of the sampled sequence
     * @param secondPerGridT  seconds one temporal patch spans ({@code second_per_grid_ts})
     */
    public record Sample(int[] indices, double sampleFps, double secondPerGridT) {
        public Sample {
            indices = indices.clone();
        }

        @Override
        public int[] indices() {
            return indices.clone();
        }

        public int count() {
            return indices.length;
        }
    }

    /** Timestamps of {@code total} frames at a constant {@code fps}: {@code i / fps}. */
    public static double[] uniformTimestamps(int total, double fps) {
        if (total < 0 || !(fps > 0) || Double.isInfinite(fps))
            throw new IllegalArgumentException("cannot make timestamps for " + total + " frames at " + fps + " fps");
        double[] t = new double[total];
        for (int i = 0; i < total; i++) t[i] = i / fps;
        return t;
    }

    /**
     * {@code n} frames spread uniformly over the video.
     *
     * @param timestamps    presentation time in seconds of every frame, strictly increasing
     * @param n             frames wanted, even and at least the temporal patch size
     * @param temporalPatch frames per temporal patch (2)
     * @throws IllegalArgumentException when {@code n} is odd or too small, or the video is too short for one pair
     */
    public static Sample byCount(double[] timestamps, int n, int temporalPatch) {
        if (n < temporalPatch || n % temporalPatch != 0)
            throw new IllegalArgumentException("frame count " + n + " must be a positive multiple of " + temporalPatch
                    + " (Qwen2.5-VL takes frames in groups of " + temporalPatch + ")");
        double videoFps = videoFps(timestamps, temporalPatch);
        int total = timestamps.length;
        return sample(total, Math.min(n, total / temporalPatch * temporalPatch), videoFps, temporalPatch);
    }

    /**
     * Frames at about {@code fps} per second, within qwen-vl-utils' bounds (at least 4, at most 768 or the video's
     * frames, a whole number of pairs).
     *
     * @throws IllegalArgumentException when {@code fps} is not positive, or the video is too short for one pair
     */
    public static Sample byFps(double[] timestamps, double fps, int temporalPatch) {
        if (!(fps > 0) || Double.isInfinite(fps)) throw new IllegalArgumentException("sampling rate " + fps + " fps must be positive");
        double videoFps = videoFps(timestamps, temporalPatch);
        int total = timestamps.length;
        double minFrames = ceilByFactor(MIN_FRAMES, temporalPatch);
        double maxFrames = floorByFactor(Math.min(MAX_FRAMES, total), temporalPatch);
        double n = total / videoFps * fps;
        n = Math.min(Math.min(Math.max(n, minFrames), maxFrames), total);
        // Timestamps carry float noise (299 / (299/30) need not be 30 exactly): a count within 1e-9 of a whole pair
        // counts as reaching it, so the noise never drops a pair.
        return sample(total, (int) floorByFactor(n * (1 + 1e-9), temporalPatch), videoFps, temporalPatch);
    }

    private static Sample sample(int total, int n, double videoFps, int temporalPatch) {
        if (n < temporalPatch) throw tooShort(total, temporalPatch);
        int[] idx = linspaceRound(total - 1, n);
        double sampleFps = (double) n / total * videoFps;
        return new Sample(idx, sampleFps, temporalPatch / sampleFps);
    }

    /** The average frame rate, checking the timestamps. */
    private static double videoFps(double[] timestamps, int temporalPatch) {
        if (temporalPatch <= 0) throw new IllegalArgumentException("temporal patch size " + temporalPatch);
        if (timestamps.length < Math.max(2, temporalPatch)) throw tooShort(timestamps.length, temporalPatch);
        for (int i = 0; i < timestamps.length; i++) {
            if (!Double.isFinite(timestamps[i]))
                throw new IllegalArgumentException("frame " + i + " has timestamp " + timestamps[i]);
            if (i > 0 && !(timestamps[i] > timestamps[i - 1]))
                throw new IllegalArgumentException("frame timestamps must increase: frame " + i + " at " + timestamps[i]
                        + " s follows " + timestamps[i - 1] + " s");
        }
        return (timestamps.length - 1) / (timestamps[timestamps.length - 1] - timestamps[0]);
    }

    private static IllegalArgumentException tooShort(int total, int temporalPatch) {
        return new IllegalArgumentException("the video has " + total + " frame" + (total == 1 ? "" : "s")
                + ", too few for one temporal patch of " + temporalPatch + " frames");
    }

    /** {@code torch.linspace(0, end, n)} (float32) rounded half to even. */
    static int[] linspaceRound(int end, int n) {
        int[] out = new int[n];
        if (n == 1) return out;
        float start = 0f, stop = end;
        float step = (stop - start) / (n - 1);
        int halfway = n / 2;
        for (int i = 0; i < n; i++) {
            float v = i < halfway ? start + step * i : stop - step * (n - 1 - i);
            out[i] = (int) Math.rint(v);
        }
        return out;
    }

    private static double floorByFactor(double x, int factor) {
        return Math.floor(x / factor) * factor;
    }

    private static double ceilByFactor(double x, int factor) {
        return Math.ceil(x / factor) * factor;
    }
}
