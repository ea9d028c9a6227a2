package dev.dycoke4j.kernel;

/**
 * Bilinear resize of feature maps with {@code align_corners=False}, as {@code torch.nn.functional.interpolate}
 * computes it on the CPU in float32 when given an output size: source coordinate {@code (dst + 0.5)·in/out - 0.5},
 * clamped at 0.
 */
public final class Bilinear {
    private Bilinear() {
    }

    /**
     * Resizes {@code maps} feature maps laid out {@code [map][y][x][c]} (channels last) from {@code inH x inW} to
     * {@code outH x outW}.
     */
    public static float[] resize(float[] src, int maps, int inH, int inW, int c, int outH, int outW) {
        float[] dst = new float[maps * outH * outW * c];
        float sh = (float) inH / outH, sw = (float) inW / outW;
        for (int m = 0; m < maps; m++) {
            int so = m * inH * inW * c, dOff = m * outH * outW * c;
            for (int oy = 0; oy < outH; oy++) {
                float fy = Math.max(sh * (oy + 0.5f) - 0.5f, 0f);
                int y0 = (int) fy, y1 = y0 + (y0 < inH - 1 ? 1 : 0);
                float ly1 = fy - y0, ly0 = 1f - ly1;
                for (int ox = 0; ox < outW; ox++) {
                    float fx = Math.max(sw * (ox + 0.5f) - 0.5f, 0f);
                    int x0 = (int) fx, x1 = x0 + (x0 < inW - 1 ? 1 : 0);
                    float lx1 = fx - x0, lx0 = 1f - lx1;
                    int a = so + (y0 * inW + x0) * c, b = so + (y0 * inW + x1) * c;
                    int d = so + (y1 * inW + x0) * c, e = so + (y1 * inW + x1) * c;
                    int o = dOff + (oy * outW + ox) * c;
                    for (int ch = 0; ch < c; ch++)
                        dst[o + ch] = ly0 * (lx0 * src[a + ch] + lx1 * src[b + ch]) + ly1 * (lx0 * src[d + ch] + lx1 * src[e + ch]);
                }
            }
        }
        return dst;
    }
}
