package dev.dycoke4j.pipeline;

import dev.dycoke4j.vision.SiglipPass;

/**
 * One batch of a video's frames through the vision tower, projector and pooling, in pieces that the caller runs one at
 * a time ({@link #step}): the tower's pieces ({@link SiglipPass}: one frame's share of one op of one layer), then per
 * frame the projector and pooling, with the pooling head's frame signals when asked for ({@code project}). The frames
 * are frames {@code out.done...} of {@code out}, whose {@link FrameFeatures#done} counts each frame as it is finished.
 * {@link VisionEncoder#encodeBatch} runs these same pieces back to back. Not thread-safe.
 */
final class VisionBatch {
    private final VisionEncoder encoder;
    private final LlavaOneVision model;
    private final FrameFeatures out;
    private final int f0, nb, patches;
    private final float[] received;
    private final SiglipPass pass;
    private final long[] projectPoolNanos;
    private final VisionEncoder.BatchTrace trace;
    private int projected;
    /** The projector's hidden and output rows, one frame's, reused by the batch's frames. */
    private float[] projHidden, projOut;

    VisionBatch(VisionEncoder encoder, LlavaOneVision model, float[] px, FrameFeatures out, int nb, long[] projectPoolNanos,
                VisionEncoder.BatchTrace trace) {
        this.encoder = encoder;
        this.model = model;
        this.out = out;
        this.f0 = out.done;
        this.nb = nb;
        this.patches = model.config().vision().numPatches();
        this.received = out.received != null ? new float[nb * patches] : null;
        this.pass = model.visionPass(px, nb, received);
        this.projectPoolNanos = projectPoolNanos;
        this.trace = trace;
    }

    /** Whether every frame of the batch is finished. */
    boolean done() {
        return projected == nb;
    }

    /** What the next piece does: one of {@link SiglipPass#next}'s, or {@code project}. */
    String next() {
        return pass.done() ? "project" : pass.next();
    }

    /** Runs the next piece; adds the projector and pooling time to {@code projectPoolNanos[0]}. */
    void step() {
        if (done()) throw new IllegalStateException("the batch is complete");
        if (!pass.done()) {
            pass.step();
            if (pass.done()) {
                encoder.visionFrames += nb;
                if (received != null) System.arraycopy(received, 0, out.received, f0 * patches, nb * patches);
            }
            return;
        }
        int f = f0 + projected;
        float[] hidden = pass.hidden(projected);
        if (out.probe != null) encoder.frameSignals(hidden, f, out);
        long tp = System.nanoTime();
        if (projOut == null) {
            int dt = model.config().text().hiddenSize();
            projHidden = new float[patches * dt];
            projOut = new float[patches * dt];
        }
        float[] proj = model.project(hidden, patches, projHidden, projOut);
        float[] pool = model.pool(proj, 1);
        projectPoolNanos[0] += System.nanoTime() - tp;
        System.arraycopy(pool, 0, out.pooled, f * out.rowsPerFrame, pool.length);
        trace.batch(f, hidden, proj);
        projected++;
        out.done = f + 1;
    }
}
