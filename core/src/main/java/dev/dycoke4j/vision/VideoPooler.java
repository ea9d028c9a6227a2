package dev.dycoke4j.vision;

import dev.dycoke4j.kernel.Bilinear;

/** LLaVA-OneVision's video pooling: each frame's side x side grid resized bilinearly to ceil(side/2) squared. */
public final class VideoPooler {
    private VideoPooler() {
    }

    /** {@code [frames·side², d]} to {@code [frames·ceil(side/2)², d]}, frame-major and row-major. */
    public static float[] pool(float[] features, int frames, int side, int d) {
        int out = (side + 1) / 2;
        return Bilinear.resize(features, frames, side, side, d, out, out);
    }
}
