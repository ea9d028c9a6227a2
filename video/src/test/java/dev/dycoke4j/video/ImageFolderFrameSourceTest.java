package dev.dycoke4j.video;

import dev.dycoke4j.vision.RgbFrame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ImageFolderFrameSourceTest {
    @TempDir
    Path dir;

    /** Frame k is a flat colour (10k, 255-10k, 7) with a white pixel at (k, 0). */
    private static BufferedImage frameImage(int k, int w, int h, int type) {
        BufferedImage img = new BufferedImage(w, h, type);
        int rgb = (10 * k) << 16 | (255 - 10 * k) << 8 | 7;
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, 0xff000000 | rgb);
        img.setRGB(k, 0, 0xffffffff);
        return img;
    }

    private void writeFrames(int count, String pattern, String format, int type) throws Exception {
        for (int k = 0; k < count; k++)
            assertTrue(ImageIO.write(frameImage(k, 23, 17, type), format, dir.resolve(String.format(pattern, k + 1)).toFile()));
    }

    @Test
    void naturalOrderAndUniformSampling() throws Exception {
        writeFrames(12, "frame_%d.png", "png", BufferedImage.TYPE_3BYTE_BGR); // frame_1 .. frame_12: 10 < 2 as text
        Files.writeString(dir.resolve("notes.txt"), "not a frame");
        ImageIO.write(frameImage(20, 23, 17, BufferedImage.TYPE_3BYTE_BGR), "png", dir.resolve(".hidden.png").toFile());
        SampledVideo v = VideoReader.readUniform(dir, 4);
        assertEquals(12, v.totalFrames());
        assertArrayEquals(new int[]{0, 3, 7, 11}, v.indices());
        assertEquals(0, v.fps());
        assertFalse(v.fewerThanRequested());
        for (int i = 0; i < 4; i++) {
            RgbFrame f = v.frames().get(i);
            int k = v.indices()[i];
            assertEquals(23, f.width());
            assertEquals(17, f.height());
            assertEquals(10 * k, f.at(5, 9, 0));
            assertEquals(255 - 10 * k, f.at(0, 16, 1));
            assertEquals(7, f.at(22, 3, 2));
            assertEquals(255, f.at(k, 0, 0), "marker pixel of frame " + k);
            assertEquals(255, f.at(k, 0, 2));
        }
    }

    @Test
    void naturalComparison() {
        List<String> names = new ArrayList<>(List.of("f10.png", "f2.png", "f1.png", "f02.png", "g1.png", "f1a.png", "F3.png", "f100.png"));
        names.sort(ImageFolderFrameSource::compareNatural);
        assertEquals(List.of("F3.png", "f1.png", "f1a.png", "f02.png", "f2.png", "f10.png", "f100.png", "g1.png"), names);
        assertTrue(ImageFolderFrameSource.compareNatural("a99999999999999999999b", "a100000000000000000000b") < 0);
    }

    @Test
    void pixelTypesConvertToRgb() throws Exception {
        // RGBA: alpha dropped, colour kept (as PIL's convert("RGB"))
        BufferedImage rgba = new BufferedImage(3, 2, BufferedImage.TYPE_4BYTE_ABGR);
        rgba.setRGB(0, 0, 0x000a141e);
        rgba.setRGB(1, 0, 0x80ff8001);
        ImageIO.write(rgba, "png", dir.resolve("a.png").toFile());
        RgbFrame f = ImageFolderFrameSource.readImage(dir.resolve("a.png"));
        assertArrayEquals(new int[]{10, 20, 30}, new int[]{f.at(0, 0, 0), f.at(0, 0, 1), f.at(0, 0, 2)});
        assertArrayEquals(new int[]{255, 128, 1}, new int[]{f.at(1, 0, 0), f.at(1, 0, 1), f.at(1, 0, 2)});

        // 8-bit gray: raw levels, no gamma curve
        BufferedImage gray = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSamples(0, 0, 4, 1, 0, new int[]{0, 1, 100, 255});
        ImageIO.write(gray, "png", dir.resolve("g.png").toFile());
        f = ImageFolderFrameSource.readImage(dir.resolve("g.png"));
        for (int x = 0; x < 4; x++) for (int c = 0; c < 3; c++) assertEquals(new int[]{0, 1, 100, 255}[x], f.at(x, 0, c));

        // paletted
        byte[] r = {0, (byte) 200}, g = {0, 50}, b = {0, 25};
        BufferedImage pal = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(1, 2, r, g, b));
        pal.getRaster().setSamples(0, 0, 2, 1, 0, new int[]{1, 0});
        ImageIO.write(pal, "png", dir.resolve("p.png").toFile());
        f = ImageFolderFrameSource.readImage(dir.resolve("p.png"));
        assertArrayEquals(new int[]{200, 50, 25, 0, 0, 0}, new int[]{f.at(0, 0, 0), f.at(0, 0, 1), f.at(0, 0, 2), f.at(1, 0, 0), f.at(1, 0, 1), f.at(1, 0, 2)});
    }

    @Test
    void jpegFrames() throws Exception {
        writeFrames(5, "img%03d.jpg", "jpg", BufferedImage.TYPE_3BYTE_BGR);
        SampledVideo v = new ImageFolderFrameSource().readUniform(dir, 3);
        assertArrayEquals(new int[]{0, 2, 4}, v.indices());
        RgbFrame f = v.frames().get(2);
        assertEquals(40, f.at(12, 12, 0), 6);
        assertEquals(215, f.at(12, 12, 1), 6);
        assertEquals(7, f.at(12, 12, 2), 6);
    }

    @Test
    void fewerImagesThanRequestedSaysSoWithoutPrinting() throws Exception {
        writeFrames(3, "%d.png", "png", BufferedImage.TYPE_3BYTE_BGR);
        SystemErr<SampledVideo> read = SystemErr.capture(() -> new ImageFolderFrameSource().readUniform(dir, 8));
        SampledVideo v = read.value();
        assertTrue(v.fewerThanRequested());
        assertEquals(3, v.totalFrames());
        assertArrayEquals(new int[]{0, 1, 2}, v.indices());
        assertEquals("", read.printed(), "the library leaves reporting to its caller");
    }

    private String fails(Path p, int n) {
        VideoException e = assertThrows(VideoException.class, () -> new ImageFolderFrameSource().readUniform(p, n));
        assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        return e.getMessage();
    }

    @Test
    void errors() throws Exception {
        assertEquals(dir + ": no frame images (.png, .jpg, .jpeg, .bmp) in the folder", fails(dir, 8));
        assertEquals(dir.resolve("none") + ": no such folder", fails(dir.resolve("none"), 8));
        Path file = Files.writeString(dir.resolve("x.txt"), "x");
        assertEquals(file + ": not a folder of frame images", fails(file, 8));
        assertEquals(dir + ": asked for 0 frames; the number of frames must be at least 1", fails(dir, 0));

        writeFrames(2, "%d.png", "png", BufferedImage.TYPE_3BYTE_BGR);
        Path broken = Files.write(dir.resolve("3.png"), new byte[]{1, 2, 3, 4, 5});
        VideoException e = assertThrows(VideoException.class, () -> new ImageFolderFrameSource().readUniform(dir, 3));
        assertEquals(broken + ": not an image format javax.imageio can decode", e.getMessage());
        Path truncated = dir.resolve("3.png");
        byte[] png;
        try (var out = new ByteArrayOutputStream()) {
            ImageIO.write(frameImage(1, 23, 17, BufferedImage.TYPE_3BYTE_BGR), "png", out);
            png = out.toByteArray();
        }
        Files.write(truncated, java.util.Arrays.copyOf(png, 60));
        e = assertThrows(VideoException.class, () -> new ImageFolderFrameSource().readUniform(dir, 3));
        assertTrue(e.getMessage().startsWith(truncated + ": cannot decode the frame image ("), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void readerPicksTheSourceByPathKind() throws Exception {
        assertInstanceOf(ImageFolderFrameSource.class, VideoReader.sourceFor(dir));
        assertInstanceOf(FfmpegFrameSource.class, VideoReader.sourceFor(dir.resolve("clip.mp4")));
    }
}
