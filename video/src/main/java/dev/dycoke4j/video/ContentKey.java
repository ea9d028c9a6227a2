package dev.dycoke4j.video;

import dev.dycoke4j.cache.CacheKey;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * What identifies the frames {@link VideoReader#readUniform} gives for a video file, without decoding it: the SHA-256
 * of the file's bytes (read a block at a time, never whole), its size, the number of frames asked for, the sampling
 * rule and the decoder's version. The same bytes at another path give the same key; one changed byte, another frame
 * count or another FFmpeg build gives another.
 */
public final class ContentKey {
    /** The sampling rule, as {@link UniformSampler} and {@link FfmpegFrameSource} apply it. */
    static final String SAMPLING = "uniform over decoded frames: numpy.linspace(0, total - 1, n, dtype=int) as lmms-eval; every frame once when fewer";
    /** This reader and the FFmpeg build it decodes with. */
    static final String DECODER = "FfmpegFrameSource/1, RGB24 by swscale bicubic; bytedeco ffmpeg " + ffmpegVersion();

    private ContentKey() {
    }

    /**
     * The key of {@code n} frames sampled from the video file {@code file}, as 64 hex digits.
     *
     * @throws VideoException when the file is missing, a folder, or cannot be read
     */
    public static String of(Path file, int n) {
        Sources.checkCount(file, n);
        Sources.checkFile(file);
        try {
            long size = Files.size(file);
            return CacheKey.of("video-file").bytes("sha256", CacheKey.sha256(file)).number("size", size).number("frames", n)
                    .text("sampling", SAMPLING).text("decoder", DECODER).hex();
        } catch (IOException e) {
            throw new VideoException(file + ": cannot be read (" + e.getMessage() + ")", e);
        }
    }

    /** The version of the bytedeco FFmpeg artifact on the class path (FFmpeg's and JavaCPP's), read without loading it. */
    private static String ffmpegVersion() {
        try (InputStream in = org.bytedeco.ffmpeg.global.avcodec.class.getResourceAsStream("/META-INF/maven/org.bytedeco/ffmpeg/pom.properties")) {
            if (in == null) return "unknown";
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
