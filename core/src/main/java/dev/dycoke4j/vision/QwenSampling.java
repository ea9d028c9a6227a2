package dev.dycoke4j.vision;

/**
 * How many of a video's frames Qwen2.5-VL sees: a fixed, even count spread uniformly ({@code nframes} in
 * qwen-vl-utils), or a rate in frames per second ({@code fps}, qwen-vl-utils' {@code smart_nframes}). Either way
 * {@link QwenFrameSampler} picks the frames from the video's own timestamps.
 *
 * @param frames the count when sampling by count, else 0
 * @param fps    the rate when sampling by rate, else 0
 */
public record QwenSampling(int frames, double fps) {
    public QwenSampling {
        if ((frames > 0) == (fps > 0) || frames < 0 || fps < 0 || Double.isNaN(fps) || Double.isInfinite(fps))
            throw new IllegalArgumentException("sample Qwen2.5-VL's frames either by a positive count or by a positive finite rate, got "
                    + frames + " frames and " + fps + " fps");
    }

    /** {@code n} frames, uniformly. */
    public static QwenSampling count(int n) {
        if (n < 1) throw new IllegalArgumentException("frame count " + n + " must be positive");
        return new QwenSampling(n, 0);
    }

    /** About {@code fps} frames per second, within qwen-vl-utils' bounds. */
    public static QwenSampling rate(double fps) {
        if (!(fps > 0) || Double.isInfinite(fps)) throw new IllegalArgumentException("sampling rate " + fps + " fps must be positive");
        return new QwenSampling(0, fps);
    }

    public boolean byRate() {
        return fps > 0;
    }

    /**
     * The frames to take from a video whose frames are presented at {@code timestamps} (seconds, increasing).
     *
     * @throws IllegalArgumentException when the count is not whole temporal patches or the video is too short for one
     */
    public QwenFrameSampler.Sample choose(double[] timestamps, int temporalPatch) {
        return byRate() ? QwenFrameSampler.byFps(timestamps, fps, temporalPatch) : QwenFrameSampler.byCount(timestamps, frames, temporalPatch);
    }

    @Override
    public String toString() {
        return byRate() ? fps + " fps" : frames + " frames";
    }
}
