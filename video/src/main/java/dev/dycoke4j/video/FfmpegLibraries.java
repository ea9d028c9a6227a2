package dev.dycoke4j.video;

import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swresample;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.javacpp.Loader;

/**
 * Loads the FFmpeg libraries that decoding needs, and only those: avutil, swresample, avcodec, avformat and swscale.
 *
 * <p>libavdevice (which links libpulse, libasound and libxcb) and libavfilter are never loaded. That is why this
 * module does not use JavaCV's {@code FFmpegFrameGrabber}: its static initialiser loads avdevice as well, which
 * fails on machines without PulseAudio.
 */
final class FfmpegLibraries {
    private static volatile boolean loaded;
    private static Throwable failure;

    private FfmpegLibraries() {
    }

    /** Loads the libraries once; later calls are free. */
    static synchronized void load() {
        if (loaded) return;
        if (failure != null) throw new VideoException("FFmpeg native libraries could not be loaded: " + failure, failure);
        try {
            Loader.load(avutil.class);
            Loader.load(swresample.class);
            Loader.load(avcodec.class);
            Loader.load(avformat.class);
            Loader.load(swscale.class);
            String level = System.getProperty("dycoke.ffmpeg.log", "quiet");
            avutil.av_log_set_level(switch (level) {
                case "error" -> avutil.AV_LOG_ERROR;
                case "warning" -> avutil.AV_LOG_WARNING;
                case "info" -> avutil.AV_LOG_INFO;
                case "debug" -> avutil.AV_LOG_DEBUG;
                default -> avutil.AV_LOG_QUIET;
            });
            loaded = true;
        } catch (Throwable t) { // UnsatisfiedLinkError and friends: report them as one line
            failure = t;
            throw new VideoException("FFmpeg native libraries could not be loaded: " + t, t);
        }
    }

    /** FFmpeg's text for an error code. */
    static String error(int code) {
        byte[] buf = new byte[256];
        avutil.av_strerror(code, buf, buf.length);
        int n = 0;
        while (n < buf.length && buf[n] != 0) n++;
        return new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }
}
