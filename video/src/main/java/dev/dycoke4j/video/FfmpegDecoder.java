package dev.dycoke4j.video;

import dev.dycoke4j.vision.RgbFrame;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVPixFmtDescriptor;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.ffmpeg.swscale.SwsFilter;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;

import java.nio.file.Path;

import static org.bytedeco.ffmpeg.global.avcodec.*;
import static org.bytedeco.ffmpeg.global.avformat.*;
import static org.bytedeco.ffmpeg.global.avutil.*;
import static org.bytedeco.ffmpeg.global.swscale.*;

/**
 * One sequential decode of the best video stream of a file, through FFmpeg's C API (libavformat, libavcodec,
 * libswscale). Frames are converted to RGB24 only on request, the way the ffmpeg CLI converts them by default:
 * swscale with bicubic flags, the stream's colour matrix and range (BT.601 limited range when unspecified, full range
 * for JPEG-range / yuvj formats). Not thread-safe; close it to free the native memory.
 */
final class FfmpegDecoder implements AutoCloseable {
    /** AVERROR(EAGAIN) on Linux. */
    private static final int AVERROR_EAGAIN = -11;
    /** Decode errors in a row after which the rest of the file is given up. */
    private static final int MAX_CONSECUTIVE_ERRORS = 1000;
    /** Largest frame accepted, in pixels (a sanity bound, 16384 x 16384). */
    private static final long MAX_PIXELS = 16384L * 16384L;

    /** FFmpeg "video" codecs that render any bytes as text-mode art: a .txt or .bin file is not a video. */
    private static final java.util.Set<String> TEXT_ART = java.util.Set.of("ansi", "bintext", "xbin", "idf");

    /** Receives every decoded frame, with its index among the decoded frames. */
    interface FrameVisitor {
        /** @return false to stop decoding */
        boolean visit(int index, FfmpegDecoder decoder);
    }

    private final Path path;
    private AVFormatContext format;
    private AVCodecContext codec;
    private AVPacket packet;
    private AVFrame frame;
    private SwsContext sws;
    private int swsW = -1, swsH = -1, swsFormat = -1, swsColorspace = -1, swsRange = -1;
    private BytePointer rgbBuffer;
    private final PointerPointer<BytePointer> dstData = new PointerPointer<>(4);
    private final IntPointer dstStride = new IntPointer(4);
    private long rgbBufferSize;
    private final int stream;
    private final double fps;
    private final double timeBase;
    private final long estimatedFrames;
    private final String codecName;
    private String lastError;

    private FfmpegDecoder(Path path) {
        this.path = path;
        FfmpegLibraries.load();
        boolean ok = false;
        try {
            format = new AVFormatContext(null);
            int r = avformat_open_input(format, path.toString(), null, null);
            if (r < 0) {
                format = null; // freed by FFmpeg on failure
                throw fail("not a video FFmpeg can read (" + FfmpegLibraries.error(r) + ")");
            }
            r = avformat_find_stream_info(format, (PointerPointer<?>) null);
            if (r < 0) throw fail("cannot read the stream information (" + FfmpegLibraries.error(r) + ")");
            int best = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, (PointerPointer<?>) null, 0);
            if (best < 0) throw fail("has no video stream");
            AVStream st = format.streams(best);
            if ((st.disposition() & AV_DISPOSITION_ATTACHED_PIC) != 0) throw fail("has no video stream (only a cover picture)");
            stream = best;
            for (int i = 0; i < format.nb_streams(); i++) if (i != stream) format.streams(i).discard(AVDISCARD_ALL);

            AVCodecParameters par = st.codecpar();
            codecName = avcodec_get_name(par.codec_id()).getString();
            if (TEXT_ART.contains(codecName)) throw fail("not a video (FFmpeg would render it as " + codecName + " text art)");
            AVCodec decoder = avcodec_find_decoder(par.codec_id());
            if (decoder == null || decoder.isNull()) throw fail("has a " + codecName + " video stream, which this FFmpeg build cannot decode");
            codec = avcodec_alloc_context3(decoder);
            if (codec == null || codec.isNull()) throw fail("cannot allocate a decoder");
            r = avcodec_parameters_to_context(codec, par);
            if (r < 0) throw fail("bad " + codecName + " stream parameters (" + FfmpegLibraries.error(r) + ")");
            codec.pkt_timebase(st.time_base());
            codec.thread_count(0); // FFmpeg picks, from the number of cores
            r = avcodec_open2(codec, decoder, (AVDictionary) null);
            if (r < 0) throw fail("cannot open the " + codecName + " decoder (" + FfmpegLibraries.error(r) + ")");
            packet = av_packet_alloc();
            frame = av_frame_alloc();

            fps = rate(st);
            timeBase = av_q2d(st.time_base());
            estimatedFrames = estimate(st, fps);
            ok = true;
        } finally {
            if (!ok) close();
        }
    }

    static FfmpegDecoder open(Path path) {
        return new FfmpegDecoder(path);
    }

    private VideoException fail(String problem) {
        return new VideoException(path + ": " + problem);
    }

    private static double rate(AVStream st) {
        AVRational r = st.avg_frame_rate();
        if (r.num() > 0 && r.den() > 0) return av_q2d(r);
        r = st.r_frame_rate();
        if (r.num() > 0 && r.den() > 0) return av_q2d(r);
        return 0;
    }

    private long estimate(AVStream st, double fps) {
        if (st.nb_frames() > 0) return st.nb_frames();
        if (fps <= 0) return 0;
        double seconds;
        if (st.duration() != AV_NOPTS_VALUE && st.duration() > 0) seconds = st.duration() * av_q2d(st.time_base());
        else if (format.duration() != AV_NOPTS_VALUE && format.duration() > 0) seconds = format.duration() / (double) AV_TIME_BASE;
        else return 0;
        return Math.max(0, Math.round(seconds * fps));
    }

    /** Average frame rate of the stream, or 0 when unknown. */
    double fps() {
        return fps;
    }

    /** The container's frame count, or duration x fps, or 0 when neither is known. Can be wrong. */
    long estimatedFrames() {
        return estimatedFrames;
    }

    String codecName() {
        return codecName;
    }

    /** The last decode or read error met, or null. */
    String lastError() {
        return lastError;
    }

    /**
     * Decodes the whole stream (or until the visitor says stop), calling the visitor for each frame.
     *
     * @return the number of frames decoded
     */
    int decode(FrameVisitor visitor) {
        int[] count = {0};
        int errors = 0;
        boolean[] stop = {false};
        int again = 0;
        while (!stop[0]) {
            int r = av_read_frame(format, packet);
            if (r == AVERROR_EAGAIN && ++again <= MAX_CONSECUTIVE_ERRORS) continue;
            again = 0;
            if (r < 0) {
                if (r != AVERROR_EOF) lastError = FfmpegLibraries.error(r);
                break;
            }
            try {
                if (packet.stream_index() != stream) continue;
                int s = avcodec_send_packet(codec, packet);
                if (s == AVERROR_EAGAIN) { // frames are waiting: take them, then send again
                    errors = drain(visitor, count, stop, errors);
                    s = avcodec_send_packet(codec, packet);
                }
                if (s < 0 && s != AVERROR_EAGAIN) {
                    lastError = FfmpegLibraries.error(s);
                    errors++;
                }
                errors = drain(visitor, count, stop, errors);
                if (errors > MAX_CONSECUTIVE_ERRORS) break;
            } finally {
                av_packet_unref(packet);
            }
        }
        if (!stop[0]) { // flush the frames the decoder still holds
            avcodec_send_packet(codec, null);
            drain(visitor, count, stop, 0);
        }
        return count[0];
    }

    private int drain(FrameVisitor visitor, int[] count, boolean[] stop, int errors) {
        while (!stop[0]) {
            int r = avcodec_receive_frame(codec, frame);
            if (r == AVERROR_EAGAIN || r == AVERROR_EOF) break;
            if (r < 0) {
                lastError = FfmpegLibraries.error(r);
                if (++errors > MAX_CONSECUTIVE_ERRORS) break;
                continue;
            }
            errors = 0;
            try {
                if (!visitor.visit(count[0]++, this)) stop[0] = true;
            } finally {
                av_frame_unref(frame);
            }
        }
        return errors;
    }

    /**
     * The presentation time in seconds of the frame being visited (FFmpeg's best-effort timestamp, in the stream's
     * time base), or NaN when the file gives it none. Only valid inside {@link FrameVisitor#visit}.
     */
    double currentSeconds() {
        long ts = frame.best_effort_timestamp();
        return ts == AV_NOPTS_VALUE || !(timeBase > 0) ? Double.NaN : ts * timeBase;
    }

    /** The frame being visited, as RGB24. Only valid inside {@link FrameVisitor#visit}. */
    RgbFrame currentRgb() {
        int w = frame.width(), h = frame.height(), fmt = frame.format();
        if (w <= 0 || h <= 0 || (long) w * h > MAX_PIXELS) throw fail("has a frame of unusable size " + w + "x" + h);
        int colorspace = frame.colorspace();
        int range = frame.color_range() == AVCOL_RANGE_JPEG || isJpegFormat(fmt) ? 1 : 0;
        if (sws == null || w != swsW || h != swsH || fmt != swsFormat || colorspace != swsColorspace || range != swsRange) {
            sws = sws_getCachedContext(sws, w, h, fmt, w, h, AV_PIX_FMT_RGB24, SWS_BICUBIC,
                    (SwsFilter) null, (SwsFilter) null, (DoublePointer) null);
            if (sws == null || sws.isNull()) {
                sws = null;
                BytePointer name = av_get_pix_fmt_name(fmt);
                throw fail("cannot convert pixel format " + (name == null || name.isNull() ? fmt : name.getString()) + " to RGB");
            }
            AVPixFmtDescriptor desc = av_pix_fmt_desc_get(fmt);
            boolean yuv = desc != null && !desc.isNull() && (desc.flags() & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL)) == 0;
            if (yuv) {
                IntPointer srcMatrix = sws_getCoefficients(colorspace); // out-of-range values give BT.601
                IntPointer dstMatrix = sws_getCoefficients(SWS_CS_DEFAULT);
                sws_setColorspaceDetails(sws, srcMatrix, range, dstMatrix, 1, 0, 1 << 16, 1 << 16);
            }
            swsW = w;
            swsH = h;
            swsFormat = fmt;
            swsColorspace = colorspace;
            swsRange = range;
        }
        int rowBytes = w * 3;
        int stride = (rowBytes + 63) & ~63;
        long size = (long) stride * h + 64;
        if (rgbBuffer == null || rgbBufferSize < size) {
            if (rgbBuffer != null) av_free(rgbBuffer);
            rgbBuffer = new BytePointer(av_malloc(size));
            if (!rgbBuffer.isNull()) rgbBuffer.capacity(size);
            if (rgbBuffer.isNull()) {
                rgbBuffer = null;
                throw fail("out of native memory for a " + w + "x" + h + " frame");
            }
            rgbBufferSize = size;
        }
        dstData.put(0, rgbBuffer);
        dstStride.put(0, stride);
        int rows = sws_scale(sws, frame.data(), frame.linesize(), 0, h, dstData, dstStride);
        if (rows != h) throw fail("pixel conversion to RGB failed (" + rows + " of " + h + " rows)");
        byte[] rgb = new byte[rowBytes * h];
        if (stride == rowBytes) {
            rgbBuffer.position(0).get(rgb, 0, rgb.length);
        } else {
            for (int y = 0; y < h; y++) rgbBuffer.position((long) y * stride).get(rgb, y * rowBytes, rowBytes);
        }
        rgbBuffer.position(0);
        return new RgbFrame(w, h, rgb);
    }

    private static boolean isJpegFormat(int fmt) {
        BytePointer name = av_get_pix_fmt_name(fmt);
        return name != null && !name.isNull() && name.getString().startsWith("yuvj");
    }

    @Override
    public void close() {
        dstData.close();
        dstStride.close();
        if (sws != null) {
            sws_freeContext(sws);
            sws = null;
        }
        if (rgbBuffer != null) {
            av_free(rgbBuffer);
            rgbBuffer = null;
        }
        if (frame != null) {
            av_frame_free(frame);
            frame = null;
        }
        if (packet != null) {
            av_packet_free(packet);
            packet = null;
        }
        if (codec != null) {
            avcodec_free_context(codec);
            codec = null;
        }
        if (format != null) {
            avformat_close_input(format);
            format = null;
        }
    }
}
