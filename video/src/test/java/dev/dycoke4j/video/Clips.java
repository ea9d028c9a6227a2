package dev.dycoke4j.video;

import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Synthetic test clips, encoded with JavaCV's FFmpegFrameRecorder: a flat background with two flat squares moving
 * across it, so that decoded colours can be checked at the squares' centres even after lossy coding.
 */
final class Clips {
    static final int[] BACKGROUND = {0, 0, 255};
    static final int[] RED = {255, 0, 0};
    static final int[] GREEN = {0, 255, 0};
    static final int SQUARE = 14;

    private Clips() {
    }

    /** How to encode a clip. */
    record Spec(String file, String format, String codecName, int codecId, int pixelFormat, int width, int height,
                int frames, double fps) {
    }

    /** Top-left corner of the red square in frame {@code f}. */
    static int[] redAt(int f, int w, int h) {
        int travel = Math.max(1, w - 2 * SQUARE - 3); // stays left of the green square's column
        return new int[]{1 + (f * 2) % travel, 1};
    }

    /** Top-left corner of the green square in frame {@code f}. */
    static int[] greenAt(int f, int w, int h) {
        int travel = Math.max(1, h - SQUARE - 2);
        return new int[]{w - SQUARE - 1, 1 + (f * 3) % travel};
    }

    static byte[] frame(int f, int w, int h) {
        byte[] rgb = new byte[w * h * 3];
        for (int p = 0; p < w * h; p++) put(rgb, p, BACKGROUND);
        fill(rgb, w, redAt(f, w, h), RED);
        fill(rgb, w, greenAt(f, w, h), GREEN);
        return rgb;
    }

    private static void fill(byte[] rgb, int w, int[] at, int[] colour) {
        for (int y = at[1]; y < at[1] + SQUARE; y++)
            for (int x = at[0]; x < at[0] + SQUARE; x++) put(rgb, y * w + x, colour);
    }

    private static void put(byte[] rgb, int p, int[] c) {
        rgb[p * 3] = (byte) c[0];
        rgb[p * 3 + 1] = (byte) c[1];
        rgb[p * 3 + 2] = (byte) c[2];
    }

    /** Encodes {@code spec.frames()} frames into {@code dir/spec.file()}; {@code frames == 0} writes a header only. */
    static Path make(Path dir, Spec spec) throws Exception {
        FfmpegLibraries.load(); // also sets FFmpeg's log level, which quiets the encoders
        Path out = dir.resolve(spec.file());
        try (FFmpegFrameRecorder r = new FFmpegFrameRecorder(out.toFile(), spec.width(), spec.height(), 0)) {
            if (spec.format() != null) r.setFormat(spec.format());
            if (spec.codecName() != null) r.setVideoCodecName(spec.codecName());
            if (spec.codecId() != avcodec.AV_CODEC_ID_NONE) r.setVideoCodec(spec.codecId());
            if (spec.pixelFormat() != avutil.AV_PIX_FMT_NONE) r.setPixelFormat(spec.pixelFormat());
            r.setFrameRate(spec.fps());
            r.setVideoBitrate(2_000_000);
            r.setGopSize(12);
            if ("mpeg4".equals(spec.codecName())) r.setVideoOption("bf", "2"); // B-frames: reordering and a decoder flush
            r.start();
            for (int f = 0; f < spec.frames(); f++) {
                ByteBuffer buf = ByteBuffer.wrap(frame(f, spec.width(), spec.height()));
                r.recordImage(spec.width(), spec.height(), Frame.DEPTH_UBYTE, 3, spec.width() * 3, avutil.AV_PIX_FMT_RGB24, buf);
            }
            r.stop();
        }
        return out;
    }
}
