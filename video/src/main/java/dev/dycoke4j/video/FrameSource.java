package dev.dycoke4j.video;

import dev.dycoke4j.vision.FrameSink;

import java.nio.file.Path;

/** Somewhere frames come from: a video file, a folder of images. */
public interface FrameSource {
    /**
     * Decodes the source and returns {@code n} frames picked uniformly over all decodable frames
     * ({@link UniformSampler#indices}), or every frame once when there are fewer than {@code n}. Nothing is printed:
     * {@link SampledVideo#fewerThanRequested} and {@link SampledVideo#totalFrames} say so, for the caller to report.
     *
     * @throws VideoException when the source is missing, unreadable, corrupt, has no frame, or {@code n <= 0}
     */
    default SampledVideo readUniform(Path source, int n) {
        return streamUniform(source, n, FrameSink.NONE);
    }

    /**
     * As {@link #readUniform}, handing the frames to {@code sink} as they decode: {@link FrameSink#expect} first with
     * the number of frames the source predicts before decoding, then each of them in order. When the prediction holds,
     * the frames handed over are the returned frames (the same objects, in the same order); when it does not (a
     * container whose frame count is missing or wrong), they may be fewer, other or more, and only the returned ones
     * count.
     *
     * @throws VideoException as {@link #readUniform}, and when the decoding thread is interrupted (at the next frame)
     */
    SampledVideo streamUniform(Path source, int n, FrameSink sink);
}
