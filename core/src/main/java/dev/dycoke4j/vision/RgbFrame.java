package dev.dycoke4j.vision;

/**
 * One decoded video frame: 8-bit RGB, row-major, interleaved ({@code rgb[(y*width + x)*3 + c]}).
 *
 * @param width  pixels per row
 * @param height rows
 * @param rgb    {@code width*height*3} bytes
 */
public record RgbFrame(int width, int height, byte[] rgb) {
    public RgbFrame {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("frame size " + width + "x" + height);
        if (rgb.length != (long) width * height * 3)
            throw new IllegalArgumentException("frame of " + width + "x" + height + " needs " + (width * height * 3) + " bytes, got " + rgb.length);
    }

    /** Channel {@code c} of pixel (x, y) as 0..255. */
    public int at(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xff;
    }
}
