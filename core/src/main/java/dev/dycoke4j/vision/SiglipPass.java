package dev.dycoke4j.vision;

import java.util.Arrays;

/**
 * One encode of a batch of frames through the SigLIP tower, in pieces that a caller runs one at a time ({@link #step})
 * with other work between them (a server's decode steps): each piece is one frame's share of one op, a few GFLOP at
 * SigLIP-so400m's shape. In order: each frame's patch embedding; then layer by layer, frame by frame, LN1 and q, k,
 * v ({@code qkv}); in the last layer, when the received attention is asked for, one piece per head
 * ({@code saliency}); the attention ({@code attend}); o and the residual ({@code out}); LN2, fc1 and the GELU
 * ({@code fc1}); fc2 and the residual ({@code fc2}). {@link SiglipVisionTower#encode} runs these
 * same pieces back to back, so the values do not depend on what ran between them. Not thread-safe.
 */
public final class SiglipPass {
    private final SiglipVisionTower tower;
    private final SiglipLayer[] layers;
    private final float[] pixels, received;
    private final int frames, heads;
    private final float[][] xs;
    private final SiglipLayer.Buffers b;
    /** The next piece: layer (-1: the embedding), frame, and op within the frame's share of the layer. */
    private int layer = -1, frame, op;
    private float[] hidden;

    SiglipPass(SiglipVisionTower tower, SiglipLayer[] layers, float[] pixels, int frames, float[] received) {
        this.tower = tower;
        this.layers = layers;
        this.pixels = pixels;
        this.frames = frames;
        this.received = received;
        var c = tower.config();
        this.heads = c.numHeads();
        int P = c.numPatches();
        xs = new float[frames][P * c.hiddenSize()];
        b = new SiglipLayer.Buffers(P, c);
        if (frames == 0) layer = layers.length;
    }

    /** Whether every piece has run ({@link #hidden} is ready). */
    public boolean done() {
        return layer == layers.length;
    }

    /** What the next piece does: {@code embed}, {@code qkv}, {@code saliency}, {@code attend}, {@code out}, {@code fc1} or {@code fc2}. */
    public String next() {
        if (done()) throw new IllegalStateException("the pass is complete");
        if (layer < 0) return "embed";
        int s = saliencyHeads();
        if (op == 0) return "qkv";
        if (op <= s) return "saliency";
        return switch (op - s) {
            case 1 -> "attend";
            case 2 -> "out";
            case 3 -> "fc1";
            default -> "fc2";
        };
    }

    /** The frames of the pass. */
    public int frames() {
        return frames;
    }

    /**
     * Runs the next piece.
     *
     * @throws IllegalStateException when the pass is complete
     */
    public void step() {
        if (done()) throw new IllegalStateException("the pass is complete");
        if (layer < 0) {
            tower.embed(pixels, frame, xs[frame]);
            nextFrame();
            return;
        }
        SiglipLayer l = layers[layer];
        float[] x = xs[frame];
        int s = saliencyHeads(), patches = b.rows;
        if (op == 0) l.attentionInput(x, b);
        else if (op <= s) {
            if (op == 1) Arrays.fill(received, frame * patches, (frame + 1) * patches, 0f);
            l.received(b, op - 1, received, frame * patches);
        }
        else switch (op - s) {
            case 1 -> l.attend(b);
            case 2 -> l.attentionOutput(x, b);
            case 3 -> l.mlpInput(x, b);
            default -> l.mlpOutput(x, b);
        }
        if (++op == 5 + s) {
            op = 0;
            nextFrame();
        }
    }

    /** Heads whose received attention is a piece of the current layer: all of them in the last layer when asked for. */
    private int saliencyHeads() {
        return received != null && layer == layers.length - 1 ? heads : 0;
    }

    private void nextFrame() {
        if (++frame < frames) return;
        frame = 0;
        layer++;
    }

    /**
     * The tower's output {@code [frames·P, hidden]}, once {@link #done}.
     *
     * @throws IllegalStateException when pieces remain
     */
    public float[] hidden() {
        if (!done()) throw new IllegalStateException("the pass is not complete: call step() until done()");
        if (hidden == null) {
            int n = frames == 0 ? 0 : xs[0].length;
            hidden = new float[frames * n];
            for (int f = 0; f < frames; f++) System.arraycopy(xs[f], 0, hidden, f * n, n);
        }
        return hidden;
    }

    /** Frame {@code f}'s rows of the output {@code [P, hidden]}, once {@link #done} (not a copy). */
    public float[] hidden(int f) {
        if (!done()) throw new IllegalStateException("the pass is not complete: call step() until done()");
        return xs[f];
    }
}
