package dev.dycoke4j.vision;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.*;

class PilBicubicTest {
    /** Deterministic test images; the same formulas generated the Pillow reference below. */
    static RgbFrame pattern(int w, int h, int kind) {
        byte[] b = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++) {
                    long v = kind == 0 ? (x * x * 3L + y * 5L + (long) x * y + c * 77L) % 256
                            : (((x * 31L + y * 17L + c * 101L + 7) * 2654435761L) & 0xffffffffL) >>> 24;
                    b[(y * w + x) * 3 + c] = (byte) v;
                }
        return new RgbFrame(w, h, b);
    }

    /**
     * CRC32 of Pillow 9.4's {@code Image.frombytes("RGB", (w, h), pattern).resize((ow, oh), Image.BICUBIC).tobytes()},
     * computed once with Debian's python3-pil. Columns: w, h, ow, oh, pattern kind, CRC32.
     */
    private static final long[][] PILLOW = {
            {640, 360, 384, 384, 1, 0xa75f4d2fL},
            {37, 53, 56, 56, 0, 0x1cb5ef67L},
            {37, 53, 56, 56, 1, 0x10a57a89L},
            {7, 5, 56, 56, 1, 0xd8392f8eL},
            {64, 64, 56, 56, 0, 0x6f6b0881L},
            {56, 40, 56, 56, 1, 0xf59b42e8L},
            {40, 56, 56, 56, 1, 0xcbd8d7f9L},
            {100, 3, 13, 1, 1, 0x092efbf0L},
            {1, 1, 5, 3, 0, 0x3c6b735cL},
            {300, 200, 384, 384, 1, 0x001043cbL},
            {1920, 1080, 384, 384, 1, 0xd5b4a551L},
    };

    @Test
    void matchesPillowBitForBit() {
        for (long[] c : PILLOW) {
            RgbFrame out = PilBicubic.resize(pattern((int) c[0], (int) c[1], (int) c[4]), (int) c[2], (int) c[3]);
            assertEquals((int) c[2], out.width());
            assertEquals((int) c[3], out.height());
            CRC32 crc = new CRC32();
            crc.update(out.rgb());
            assertEquals(c[5], crc.getValue(), () -> String.format("%dx%d -> %dx%d (pattern %d)", c[0], c[1], c[2], c[3], c[4]));
        }
    }

    /** Plain double-precision separable bicubic with Pillow's windows, rounded once at the end of each pass. */
    static double[] referenceResize(RgbFrame src, int outW, int outH) {
        int inW = src.width(), inH = src.height();
        double[] img = new double[inW * inH * 3];
        for (int i = 0; i < img.length; i++) img[i] = src.rgb()[i] & 0xff;
        if (outW != inW) {
            PilBicubic.Coefficients c = PilBicubic.coefficients(inW, outW);
            double[] t = new double[outW * inH * 3];
            for (int y = 0; y < inH; y++)
                for (int xx = 0; xx < outW; xx++)
                    for (int ch = 0; ch < 3; ch++) {
                        double s = 0;
                        for (int k = 0; k < c.count()[xx]; k++)
                            s += img[(y * inW + c.start()[xx] + k) * 3 + ch] * c.weight()[xx * c.ksize() + k];
                        t[(y * outW + xx) * 3 + ch] = Math.clamp(Math.round(s), 0, 255);
                    }
            img = t;
        }
        if (outH != inH) {
            PilBicubic.Coefficients c = PilBicubic.coefficients(inH, outH);
            double[] t = new double[outW * outH * 3];
            for (int yy = 0; yy < outH; yy++)
                for (int x = 0; x < outW; x++)
                    for (int ch = 0; ch < 3; ch++) {
                        double s = 0;
                        for (int k = 0; k < c.count()[yy]; k++)
                            s += img[((c.start()[yy] + k) * outW + x) * 3 + ch] * c.weight()[yy * c.ksize() + k];
                        t[(yy * outW + x) * 3 + ch] = Math.clamp(Math.round(s), 0, 255);
                    }
            img = t;
        }
        return img;
    }

    @Test
    void agreesWithDoubleReferenceWithinOneLevel() {
        int[][] sizes = {{640, 360, 384, 384}, {37, 53, 56, 56}, {7, 5, 56, 56}, {97, 61, 31, 17}, {50, 38, 50, 77}, {3, 200, 9, 20}};
        Random rnd = new Random(7);
        for (int[] s : sizes) {
            byte[] b = new byte[s[0] * s[1] * 3];
            rnd.nextBytes(b);
            RgbFrame src = new RgbFrame(s[0], s[1], b);
            RgbFrame out = PilBicubic.resize(src, s[2], s[3]);
            double[] ref = referenceResize(src, s[2], s[3]);
            int off = 0;
            for (int i = 0; i < ref.length; i++) {
                int d = Math.abs((out.rgb()[i] & 0xff) - (int) ref[i]);
                assertTrue(d <= 1, "size " + java.util.Arrays.toString(s) + " at " + i + ": " + (out.rgb()[i] & 0xff) + " vs " + ref[i]);
                if (d != 0) off++;
            }
            assertTrue(off < ref.length / 100 + 2, "too many values off by one: " + off + " of " + ref.length);
        }
    }

    @Test
    void constantImagesStayConstant() {
        for (int[] s : new int[][]{{640, 360, 384, 384}, {7, 5, 56, 56}, {37, 53, 56, 56}, {1, 1, 4, 4}}) {
            byte[] b = new byte[s[0] * s[1] * 3];
            for (int i = 0; i < b.length; i += 3) {
                b[i] = (byte) 255;
                b[i + 1] = 0;
                b[i + 2] = (byte) 131;
            }
            RgbFrame out = PilBicubic.resize(new RgbFrame(s[0], s[1], b), s[2], s[3]);
            for (int i = 0; i < out.rgb().length; i += 3) {
                assertEquals(255, out.rgb()[i] & 0xff);
                assertEquals(0, out.rgb()[i + 1] & 0xff);
                assertEquals(131, out.rgb()[i + 2] & 0xff);
            }
        }
    }

    @Test
    void mirroredInputGivesMirroredOutput() {
        Random rnd = new Random(11);
        for (int[] s : new int[][]{{640, 360, 384, 384}, {37, 53, 56, 56}, {7, 5, 56, 56}}) {
            int w = s[0], h = s[1], ow = s[2], oh = s[3];
            byte[] b = new byte[w * h * 3];
            rnd.nextBytes(b);
            byte[] m = new byte[b.length];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    System.arraycopy(b, (y * w + x) * 3, m, (y * w + (w - 1 - x)) * 3, 3);
            RgbFrame o1 = PilBicubic.resize(new RgbFrame(w, h, b), ow, oh);
            RgbFrame o2 = PilBicubic.resize(new RgbFrame(w, h, m), ow, oh);
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++)
                    for (int c = 0; c < 3; c++)
                        assertTrue(Math.abs(o1.at(x, y, c) - o2.at(ow - 1 - x, y, c)) <= 1, "mirror at " + x + "," + y);
        }
    }

    @Test
    void windowsAndWeightsAreSane() {
        PilBicubic.Coefficients c = PilBicubic.coefficients(640, 384); // downsampling: support 2*640/384
        assertEquals((int) Math.ceil(2.0 * 640 / 384) * 2 + 1, c.ksize());
        for (int i = 0; i < 384; i++) {
            double sum = 0;
            for (int k = 0; k < c.count()[i]; k++) sum += c.weight()[i * c.ksize() + k];
            assertEquals(1.0, sum, 1e-12);
            assertTrue(c.start()[i] >= 0 && c.start()[i] + c.count()[i] <= 640);
        }
        assertEquals(1.0, PilBicubic.filter(0), 0);
        assertEquals(0.0, PilBicubic.filter(1), 0);
        assertEquals(0.0, PilBicubic.filter(2), 0);
        assertEquals(PilBicubic.filter(0.3), PilBicubic.filter(-0.3), 0);
        assertEquals(-0.0625, PilBicubic.filter(1.5), 0);
    }

    @Test
    void sameSizeIsTheSameFrameAndBadSizesFail() {
        RgbFrame f = pattern(5, 4, 1);
        assertSame(f, PilBicubic.resize(f, 5, 4));
        assertThrows(IllegalArgumentException.class, () -> PilBicubic.resize(f, 0, 4));
        RgbFrame onlyW = PilBicubic.resize(f, 9, 4);
        assertEquals(9, onlyW.width());
        RgbFrame onlyH = PilBicubic.resize(f, 5, 2);
        assertEquals(2, onlyH.height());
    }
}
