package dev.dycoke4j.video;

import dev.dycoke4j.vision.FrameSink;
import dev.dycoke4j.vision.RgbFrame;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Video files through FFmpeg: any container and codec the bundled FFmpeg decodes.
 *
 * <p>The frame count of a container can be missing or wrong, so the sampling uses the number of frames that really
 * decode. One pass decodes every frame, counts them, and converts to RGB only the frames at the indices the
 * container's count (or duration x fps) predicts. When the real count differs and the frames needed are not all in
 * hand, a second pass keeps the right ones. Memory stays at about {@code n} RGB frames whatever the video's length.
 * Streaming hands the frames at the predicted indices over as the first pass converts them; the prediction is right
 * whenever the container's count is.
 */
public final class FfmpegFrameSource implements FrameSource {
    @Override
    public SampledVideo streamUniform(Path video, int n, FrameSink sink) {
        Sources.checkCount(video, n);
        Sources.checkFile(video);
        try {
            if (Files.size(video) == 0) throw new VideoException(video + ": empty file, not a video");
        } catch (java.io.IOException e) {
            throw new VideoException(video + ": cannot be read (" + e.getMessage() + ")", e);
        }

        Map<Integer, RgbFrame> kept = new HashMap<>();
        int total;
        double fps;
        String lastError;
        try (FfmpegDecoder decoder = FfmpegDecoder.open(video)) {
            fps = decoder.fps();
            long estimate = decoder.estimatedFrames();
            int[] planned = estimate > 0 && estimate < Integer.MAX_VALUE
                    ? UniformSampler.plan((int) estimate, n) : new int[0];
            sink.expect(planned.length);
            total = decoder.decode((i, d) -> {
                if (Thread.currentThread().isInterrupted()) throw new VideoException(video + ": decoding interrupted");
                if (Arrays.binarySearch(planned, i) >= 0) {
                    RgbFrame f = d.currentRgb();
                    kept.put(i, f);
                    sink.accept(f);
                }
                return true;
            });
            lastError = decoder.lastError();
        }
        if (total == 0)
            throw new VideoException(video + ": no decodable video frames" + (lastError == null ? "" : " (" + lastError + ")"));

        int[] indices = UniformSampler.plan(total, n);
        boolean missing = false;
        for (int i : indices) missing |= !kept.containsKey(i);
        if (missing) {
            int last = indices[indices.length - 1];
            try (FfmpegDecoder decoder = FfmpegDecoder.open(video)) {
                decoder.decode((i, d) -> {
                    if (Arrays.binarySearch(indices, i) >= 0 && !kept.containsKey(i)) kept.put(i, d.currentRgb());
                    return i < last;
                });
            }
        }
        List<RgbFrame> frames = new ArrayList<>(indices.length);
        for (int i : indices) {
            RgbFrame f = kept.get(i);
            if (f == null) throw new VideoException(video + ": frame " + i + " decoded on the first pass but not on the second");
            frames.add(f);
        }
        return new SampledVideo(frames, indices, total, fps, total < n);
    }
}
