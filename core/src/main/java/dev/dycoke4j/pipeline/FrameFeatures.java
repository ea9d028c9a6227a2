package dev.dycoke4j.pipeline;

/**
 * What the vision tower, projector and pooling give per frame, before the saliency is pooled: pooled rows
 * {@code [frames·rowsPerFrame]} floats and, when kept, the attention each patch received {@code [frames·patches]}.
 * {@link #done} frames, from the first, hold their values (a pass stopped early holds fewer than {@code frames}). A
 * frame's values do not depend on the other frames of its batch, so they can be copied into another video's.
 */
final class FrameFeatures {
    final int frames, rowsPerFrame, patches;
    final float[] pooled, received;
    int done;

    /** Room for {@code frames} frames; {@code patches} 0 when the received attention is not kept. */
    FrameFeatures(int frames, int rowsPerFrame, int patches) {
        this.frames = frames;
        this.rowsPerFrame = rowsPerFrame;
        this.patches = patches;
        this.pooled = new float[frames * rowsPerFrame];
        this.received = patches > 0 ? new float[frames * patches] : null;
    }

    /** Copies frame {@code f} of {@code src} (of the same shape) to frame {@code to} of this. */
    void copy(FrameFeatures src, int f, int to) {
        System.arraycopy(src.pooled, f * rowsPerFrame, pooled, to * rowsPerFrame, rowsPerFrame);
        if (received != null) System.arraycopy(src.received, f * patches, received, to * patches, patches);
    }
}
