package dev.dycoke4j.video;

import dev.dycoke4j.vision.FrameSink;
import dev.dycoke4j.vision.RgbFrame;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A folder of frame images (.png, .jpg, .jpeg, .bmp), taken in natural file-name order ({@code frame_2.png} before
 * {@code frame_10.png}). Every image file counts as one frame; only the sampled ones are decoded (with
 * {@code javax.imageio}), and one that cannot be decoded is an error naming it. Alpha is dropped, as PIL's
 * {@code convert("RGB")} does. The count of files is known before decoding, so streaming hands over exactly the
 * returned frames.
 */
public final class ImageFolderFrameSource implements FrameSource {
    private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp");

    @Override
    public SampledVideo streamUniform(Path folder, int n, FrameSink sink) {
        Sources.checkCount(folder, n);
        if (!Files.exists(folder)) throw new VideoException(folder + ": no such folder");
        if (!Files.isDirectory(folder)) throw new VideoException(folder + ": not a folder of frame images");
        List<Path> images = list(folder);
        if (images.isEmpty())
            throw new VideoException(folder + ": no frame images (" + String.join(", ", EXTENSIONS) + ") in the folder");
        int total = images.size();
        int[] indices = UniformSampler.plan(total, n);
        List<RgbFrame> frames = new ArrayList<>(indices.length);
        sink.expect(indices.length);
        for (int i : indices) {
            if (Thread.currentThread().isInterrupted()) throw new VideoException(folder + ": decoding interrupted");
            RgbFrame f = readImage(images.get(i));
            frames.add(f);
            sink.accept(f);
        }
        return new SampledVideo(frames, indices, total, 0, total < n);
    }

    /** The frame images of a folder, in natural name order. */
    static List<Path> list(Path folder) {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> {
                        String name = p.getFileName().toString();
                        String lower = name.toLowerCase(Locale.ROOT);
                        return !name.startsWith(".") && EXTENSIONS.stream().anyMatch(lower::endsWith) && Files.isRegularFile(p);
                    })
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString(), ImageFolderFrameSource::compareNatural))
                    .toList();
        } catch (IOException e) {
            throw new VideoException(folder + ": cannot list the folder (" + e.getMessage() + ")", e);
        }
    }

    /** Natural order: runs of digits compare by value, the rest by character; ties fall back to plain order. */
    static int compareNatural(String a, String b) {
        int i = 0, j = 0;
        while (i < a.length() && j < b.length()) {
            char ca = a.charAt(i), cb = b.charAt(j);
            if (Character.isDigit(ca) && Character.isDigit(cb)) {
                int si = i, sj = j;
                while (i < a.length() && Character.isDigit(a.charAt(i))) i++;
                while (j < b.length() && Character.isDigit(b.charAt(j))) j++;
                String da = a.substring(si, i).replaceFirst("^0+(?=.)", ""), db = b.substring(sj, j).replaceFirst("^0+(?=.)", "");
                if (da.length() != db.length()) return Integer.compare(da.length(), db.length());
                int c = da.compareTo(db);
                if (c != 0) return c;
            } else {
                if (ca != cb) return Character.compare(ca, cb);
                i++;
                j++;
            }
        }
        int c = Integer.compare(a.length() - i, b.length() - j);
        return c != 0 ? c : a.compareTo(b);
    }

    static RgbFrame readImage(Path file) {
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new VideoException(file + ": cannot decode the frame image (" + e.getMessage() + ")", e);
        }
        if (img == null) throw new VideoException(file + ": not an image format javax.imageio can decode");
        return toRgb(img);
    }

    static RgbFrame toRgb(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        byte[] rgb = new byte[w * h * 3];
        int type = img.getType();
        if ((type == BufferedImage.TYPE_3BYTE_BGR || type == BufferedImage.TYPE_4BYTE_ABGR)
                && img.getRaster().getDataBuffer() instanceof DataBufferByte db && db.getNumBanks() == 1
                && img.getRaster().getParent() == null) {
            byte[] src = db.getData();
            int step = type == BufferedImage.TYPE_3BYTE_BGR ? 3 : 4, off = step - 3; // skip A in ABGR
            for (int p = 0, s = off; p < rgb.length; p += 3, s += step) {
                rgb[p] = src[s + 2];
                rgb[p + 1] = src[s + 1];
                rgb[p + 2] = src[s];
            }
        } else if (type == BufferedImage.TYPE_BYTE_GRAY) { // raw gray levels, without Java's gray-to-sRGB curve
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                img.getRaster().getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    byte v = (byte) row[x];
                    int p = (y * w + x) * 3;
                    rgb[p] = v;
                    rgb[p + 1] = v;
                    rgb[p + 2] = v;
                }
            }
        } else {
            int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
            for (int i = 0, p = 0; i < argb.length; i++, p += 3) {
                int v = argb[i];
                rgb[p] = (byte) (v >> 16);
                rgb[p + 1] = (byte) (v >> 8);
                rgb[p + 2] = (byte) v;
            }
        }
        return new RgbFrame(w, h, rgb);
    }
}
