package dev.dycoke4j.pipeline;

/**
 * What the vision tower, projector and pooling give per frame, before the saliency is pooled: pooled rows
 * {@code [frames·rowsPerFrame]} floats; when kept, the attention each patch received {@code [frames·patches]}; and
 * when SigLIP's pooling head runs, its probe's attention to each patch {@code [frames·patches]} and each frame's pooled
 * embedding {@code [frames·embedDim]}.
 * {@link #done} frames, from the first, hold their values (a pass stopped early holds fewer than {@code frames}). A
 * frame's values do not depend on the other frames of its batch, so they can be copied into another video's.
 */
final class FrameFeatures {
    final int frames, rowsPerFrame, patches;
    final float[] pooled, received, probe, embedding;
    final int embedDim;
    int done;

    /**
     * Room for {@code frames} frames; {@code patches} 0 when neither the received attention nor the pooling head's
     * outputs are kept, {@code embedDim} 0 when the head does not run.
     */
    FrameFeatures(int frames, int rowsPerFrame, int patches, boolean received, int embedDim) {
        this.frames = frames;
        this.rowsPerFrame = rowsPerFrame;
        this.patches = patches;
        this.embedDim = embedDim;
        this.pooled = new float[frames * rowsPerFrame];
        this.received = received ? new float[frames * patches] : null;
        this.probe = embedDim > 0 ? new float[frames * patches] : null;
        this.embedding = embedDim > 0 ? new float[frames * embedDim] : null;
    }

    /** Copies frame {@code f} of {@code src} (of the same shape) to frame {@code to} of this. */
    void copy(FrameFeatures src, int f, int to) {
        System.arraycopy(src.pooled, f * rowsPerFrame, pooled, to * rowsPerFrame, rowsPerFrame);
        if (received != null) System.arraycopy(src.received, f * patches, received, to * patches, patches);
        if (probe != null) {
            System.arraycopy(src.probe, f * patches, probe, to * patches, patches);
            System.arraycopy(src.embedding, f * embedDim, embedding, to * embedDim, embedDim);
        }
    }
}
