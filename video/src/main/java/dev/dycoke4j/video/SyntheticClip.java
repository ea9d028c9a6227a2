package dev.dycoke4j.video;

import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.bytedeco.ffmpeg.global.avcodec.*;
import static org.bytedeco.ffmpeg.global.avformat.*;
import static org.bytedeco.ffmpeg.global.avutil.*;
import static org.bytedeco.ffmpeg.global.swscale.*;

/**
 * Writes a synthetic MPEG-4 (part 2) clip in MP4: coloured squares moving over a gradient. Used by {@code dycoke
 * demo} and the benchmarks. It uses FFmpeg's built-in encoder through the same libraries as decoding (never
 * avdevice), so it works on a bare machine.
 */
public final class SyntheticClip {
    private SyntheticClip() {
    }

    /** RGB24 pixels of frame {@code f}: a gradient with two squares that move a little every frame. */
    public static byte[] frame(int f, int w, int h) {
        byte[] rgb = new byte[w * h * 3];
        int s = Math.max(4, Math.min(w, h) / 4);
        int ax = (f * 5) % Math.max(1, w - s), ay = h / 4;
        int bx = w / 2, by = (f * 3) % Math.max(1, h - s);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int p = (y * w + x) * 3;
                int r = 40 + 120 * x / w, g = 60 + 100 * y / h, b = 90;
                if (x >= ax && x < ax + s && y >= ay && y < ay + s) {
                    r = 230; g = 40; b = 40;
                } else if (x >= bx && x < bx + s && y >= by && y < by + s) {
                    r = 40; g = 200; b = 240;
                }
                rgb[p] = (byte) r;
                rgb[p + 1] = (byte) g;
                rgb[p + 2] = (byte) b;
            }
        return rgb;
    }

    /** Encodes {@code frames} frames of {@code w x h} at {@code fps} into {@code out} (written aside, then moved). */
    public static void write(Path out, int w, int h, int frames, int fps) {
        if (w % 2 != 0 || h % 2 != 0 || w < 16 || h < 16) throw new IllegalArgumentException("clip size must be even and at least 16, got " + w + "x" + h);
        FfmpegLibraries.load();
        Path tmp = out.resolveSibling(out.getFileName() + ".part.mp4");
        String file = tmp.toString();
        AVFormatContext oc = new AVFormatContext(null);
        check(avformat_alloc_output_context2(oc, null, "mp4", file), file, "no MP4 muxer");
        AVCodec codec = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
        if (codec == null || codec.isNull()) throw new VideoException(file + ": FFmpeg has no MPEG-4 encoder");
        AVStream st = avformat_new_stream(oc, null);
        AVCodecContext c = avcodec_alloc_context3(codec);
        AVFrame frame = av_frame_alloc();
        AVPacket pkt = av_packet_alloc();
        SwsContext sws = null;
        try {
            c.width(w).height(h).pix_fmt(AV_PIX_FMT_YUV420P).time_base(av_make_q(1, fps)).framerate(av_make_q(fps, 1));
            c.gop_size(12).bit_rate(4_000_000L);
            if ((oc.oformat().flags() & AVFMT_GLOBALHEADER) != 0) c.flags(c.flags() | AV_CODEC_FLAG_GLOBAL_HEADER);
            check(avcodec_open2(c, codec, (AVDictionary) null), file, "cannot open the MPEG-4 encoder");
            check(avcodec_parameters_from_context(st.codecpar(), c), file, "cannot set stream parameters");
            st.time_base(c.time_base());
            AVIOContext pb = new AVIOContext(null);
            check(avio_open(pb, file, AVIO_FLAG_WRITE), file, "cannot open for writing");
            oc.pb(pb);
            check(avformat_write_header(oc, (AVDictionary) null), file, "cannot write the header");
            frame.format(AV_PIX_FMT_YUV420P).width(w).height(h);
            check(av_frame_get_buffer(frame, 0), file, "cannot allocate a frame");
            sws = sws_getContext(w, h, AV_PIX_FMT_RGB24, w, h, AV_PIX_FMT_YUV420P, SWS_BICUBIC, null, null, (DoublePointer) null);
            try (BytePointer src = new BytePointer((long) w * h * 3);
                 PointerPointer<BytePointer> srcData = new PointerPointer<>(4);
                 IntPointer srcStride = new IntPointer(w * 3, 0, 0, 0)) {
                srcData.put(0, src);
                for (int f = 0; f < frames; f++) {
                    check(av_frame_make_writable(frame), file, "frame not writable");
                    src.put(frame(f, w, h));
                    sws_scale(sws, srcData, srcStride, 0, h, frame.data(), frame.linesize());
                    frame.pts(f);
                    encode(c, frame, oc, st, pkt, file);
                }
            }
            encode(c, null, oc, st, pkt, file);
            check(av_write_trailer(oc), file, "cannot write the trailer");
            closeOutput(oc);
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.io.IOException e) {
            throw new VideoException(out + ": cannot write (" + e.getMessage() + ")", e);
        } finally {
            if (sws != null) sws_freeContext(sws);
            av_packet_free(pkt);
            av_frame_free(frame);
            avcodec_free_context(c);
            closeOutput(oc);
            avformat_free_context(oc);
        }
    }

    /** Closes the output file once, and clears the context's pointer to it. */
    private static void closeOutput(AVFormatContext oc) {
        AVIOContext pb = oc.pb();
        if (pb != null && !pb.isNull()) {
            avio_close(pb);
            oc.pb(null);
        }
    }

    private static void encode(AVCodecContext c, AVFrame frame, AVFormatContext oc, AVStream st, AVPacket pkt, String file) {
        check(avcodec_send_frame(c, frame), file, "the encoder refused a frame");
        while (true) {
            int ret = avcodec_receive_packet(c, pkt);
            if (ret == AVERROR_EAGAIN() || ret == AVERROR_EOF) return;
            check(ret, file, "encoding failed");
            av_packet_rescale_ts(pkt, c.time_base(), st.time_base());
            pkt.stream_index(st.index());
            check(av_interleaved_write_frame(oc, pkt), file, "cannot write a packet");
        }
    }

    private static void check(int ret, String file, String what) {
        if (ret < 0) throw new VideoException(file + ": " + what + " (" + FfmpegLibraries.error(ret) + ")");
    }
}
