package dev.dycoke4j.server;

import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VisionStage;
import dev.dycoke4j.video.VideoFileSource;
import dev.dycoke4j.vision.RgbFrame;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * JPEG thumbnails of the frames a request samples from a stored video: the model family's own sampling, as the vision
 * stage samples a request's video ({@link VisionStage#sample}): LLaVA-OneVision's uniform sampling, or Qwen2.5-VL's
 * sampler over the file's frame times (an even count, fewer for a short video), so thumbnail i is the request's
 * sampled frame i. The last few videos' thumbnails are kept in memory; decoding runs one video at a time, so that a
 * page asking for every frame at once decodes the video once.
 */
final class FrameThumbnails {
    /** The frames a request asking for {@code frames} frames samples from {@code video}. */
    @FunctionalInterface
    interface Sampler {
        List<RgbFrame> sample(Path video, int frames);
    }

    /** The longer side of a thumbnail, in pixels. */
    static final int SIDE = 256;
    private static final int CACHED_VIDEOS = 8;

    private final Consumer<String> log;
    private final Sampler sampler;
    private final Map<String, List<byte[]>> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, List<byte[]>> e) {
            return size() > CACHED_VIDEOS;
        }
    };

    FrameThumbnails(Consumer<String> log, Sampler sampler) {
        this.log = log;
        this.sampler = sampler;
    }

    /** Thumbnails of the frames {@code qa}'s model family samples ({@link VisionStage#sample}, which reads no state of the stage). */
    FrameThumbnails(Consumer<String> log, VideoQa qa) {
        this(log, (video, frames) -> qa.visionStage().sample(new VideoFileSource(video), frames).frames());
    }

    /** Thumbnail {@code index} of {@code frames} sampled frames of {@code video}. */
    synchronized byte[] frame(VideoStore.Stored video, int frames, int index) {
        String key = video.id() + "/" + frames;
        List<byte[]> jpegs = cache.get(key);
        if (jpegs == null) {
            List<RgbFrame> sampled;
            try {
                sampled = sampler.sample(video.file(), frames);
            } catch (RuntimeException e) {
                log.accept("thumbnails of video " + video.id() + ": the video could not be decoded: " + e.getMessage());
                throw ApiError.invalid(null, "the video could not be decoded");
            }
            jpegs = new ArrayList<>(sampled.size());
            for (RgbFrame f : sampled) jpegs.add(jpeg(f));
            cache.put(key, jpegs);
        }
        if (index >= jpegs.size())
            throw VideoStore.missing("index", "frame " + index + " is out of range: the video gives " + jpegs.size() + " sampled frames (0.." + (jpegs.size() - 1) + ")");
        return jpegs.get(index);
    }

    /** {@code f} scaled to fit {@link #SIDE}, as a JPEG. */
    static byte[] jpeg(RgbFrame f) {
        BufferedImage full = new BufferedImage(f.width(), f.height(), BufferedImage.TYPE_INT_RGB);
        int[] row = new int[f.width()];
        byte[] rgb = f.rgb();
        for (int y = 0; y < f.height(); y++) {
            for (int x = 0, i = y * f.width() * 3; x < f.width(); x++, i += 3)
                row[x] = (rgb[i] & 0xff) << 16 | (rgb[i + 1] & 0xff) << 8 | rgb[i + 2] & 0xff;
            full.setRGB(0, y, f.width(), 1, row, 0, f.width());
        }
        double scale = Math.min(1.0, (double) SIDE / Math.max(f.width(), f.height()));
        int w = Math.max(1, (int) Math.round(f.width() * scale)), h = Math.max(1, (int) Math.round(f.height() * scale));
        BufferedImage img = full;
        if (w != f.width() || h != f.height()) {
            img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(full, 0, 0, w, h, null);
            g.dispose();
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(0.85f);
            writer.write(null, new IIOImage(img, null, null), p);
        } catch (IOException e) {
            throw new IllegalStateException("encoding a JPEG in memory failed", e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
