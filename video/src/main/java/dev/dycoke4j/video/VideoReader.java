package dev.dycoke4j.video;

import java.nio.file.Files;
import java.nio.file.Path;

/** The entry point: a folder is read as image frames, anything else as a video file through FFmpeg. */
public final class VideoReader {
    private static final FfmpegFrameSource FFMPEG = new FfmpegFrameSource();
    private static final ImageFolderFrameSource FOLDER = new ImageFolderFrameSource();

    private VideoReader() {
    }

    /** The source that reads {@code path}: {@link ImageFolderFrameSource} for a folder, else {@link FfmpegFrameSource}. */
    public static FrameSource sourceFor(Path path) {
        return Files.isDirectory(path) ? FOLDER : FFMPEG;
    }

    /** {@code n} frames sampled uniformly from a video file or a folder of frame images. */
    public static SampledVideo readUniform(Path video, int n) {
        return sourceFor(video).readUniform(video, n);
    }
}
