package dev.dycoke4j.video;

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
    SampledVideo readUniform(Path source, int n);
}
