package dev.dycoke4j.vision;

import dev.dycoke4j.io.LlavaConfig;
import dev.dycoke4j.io.LlavaConfig.VisionConfig;
import dev.dycoke4j.parallel.Parallel;
import dev.dycoke4j.kernel.Linear;
import dev.dycoke4j.io.Weights;

/**
 * The SigLIP vision tower up to the feature layer: patch embedding as one GEMM over a frame's patches, learned
 * positions, then the encoder blocks, frame by frame within each layer ({@link SiglipPass}): a frame's features do
 * not depend on the frames encoded with it. {@code post_layernorm} is not applied (LLaVA-OneVision takes
 * {@code hidden_states[vision_feature_layer]}).
 */
public final class SiglipVisionTower {
    private final VisionConfig c;
    private final Linear patch;
    private final float[] pos;
    private final SiglipLayer[] layers;

    public SiglipVisionTower(Weights w, LlavaConfig cfg) {
        this.c = cfg.vision();
        int d = c.hiddenSize(), ps = c.patchSize(), ch = c.numChannels();
        String p = "vision_tower.vision_model.embeddings.";
        var pw = w.checkpoint().weight(p + "patch_embedding.weight", d, ch, ps, ps).reshape(d, (long) ch * ps * ps);
        patch = new Linear(Weights.gemmReady(pw), w.vector(p + "patch_embedding.bias", d));
        pos = w.checkpoint().weight(p + "position_embedding.weight", c.numPatches(), d).toFloatArray();
        int run = layersRun(cfg);
        layers = new SiglipLayer[run];
        for (int i = 0; i < run; i++) layers[i] = new SiglipLayer(w, c, i);
    }

    /** The encoder layers up to the feature layer ({@code hidden_states[0]} is the embedding output). */
    static int layersRun(LlavaConfig cfg) {
        int layer = cfg.visionFeatureLayer();
        return layer < 0 ? cfg.vision().numLayers() + 1 + layer : layer;
    }

    /**
     * Floating-point operations (a multiply-add is two) of one frame through {@link #encode}: the patch embedding,
     * then per layer the q, k, v, o and MLP products and the attention's two products over the frame's patches
     * (about 0.64 TFLOP for SigLIP-so400m at 384 px over 27 layers); norms, softmax and GELU are not counted.
     */
    public static double flopsPerFrame(LlavaConfig cfg) {
        VisionConfig c = cfg.vision();
        double P = c.numPatches(), d = c.hiddenSize(), m = c.intermediateSize();
        double patch = 2 * P * d * c.numChannels() * c.patchSize() * c.patchSize();
        double layer = 2 * P * d * (4 * d + 2 * m) + 4 * P * P * d;
        return patch + layersRun(cfg) * layer;
    }

    public VisionConfig config() {
        return c;
    }

    /** Vision features of {@code frames} images: pixels {@code [frames, C, H, W]} to {@code [frames·P, hidden]}. */
    public float[] encode(float[] pixels, int frames) {
        return encode(pixels, frames, null);
    }

    /**
     * As above; when {@code received} is not null it gets, per patch, the attention it receives in the last layer
     * run (averaged over heads and queries of its frame), {@code [frames·P]}. The pieces of {@link #begin}, back to
     * back.
     */
    public float[] encode(float[] pixels, int frames, float[] received) {
        SiglipPass pass = begin(pixels, frames, received);
        while (!pass.done()) pass.step();
        return pass.hidden();
    }

    /**
     * {@link #encode(float[], int, float[])} as a pass of small pieces that the caller runs one at a time
     * ({@link SiglipPass#step}), doing other work between them; nothing runs until the first step.
     *
     * @throws IllegalArgumentException when {@code pixels} are not {@code frames} images at the tower's size
     */
    public SiglipPass begin(float[] pixels, int frames, float[] received) {
        int ch = c.numChannels(), img = c.imageSize();
        if (pixels.length != frames * ch * img * img)
            throw new IllegalArgumentException("pixels hold " + pixels.length + " values, not " + frames + "x" + ch + "x" + img + "x" + img);
        if (received != null && received.length < frames * c.numPatches())
            throw new IllegalArgumentException("room for the received attention of " + received.length / c.numPatches() + " frames, not " + frames);
        return new SiglipPass(this, layers, pixels, frames, received);
    }

    /** Patch embedding + positions of frame {@code f} of {@code pixels} into {@code x [P, hidden]}. */
    void embed(float[] pixels, int f, float[] x) {
        int side = c.gridSide(), ps = c.patchSize(), ch = c.numChannels(), img = c.imageSize(), P = c.numPatches();
        int kdim = ch * ps * ps, d = c.hiddenSize();
        float[] cols = new float[P * kdim];
        Parallel.forRange(P, 64, (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int py = r / side, px = r % side;
                int o = r * kdim;
                for (int cc = 0; cc < ch; cc++)
                    for (int ky = 0; ky < ps; ky++) {
                        int src = ((f * ch + cc) * img + py * ps + ky) * img + px * ps;
                        System.arraycopy(pixels, src, cols, o + (cc * ps + ky) * ps, ps);
                    }
            }
        });
        patch.apply(cols, P, x);
        for (int r = 0; r < P; r++) {
            int po = r * d;
            for (int i = 0; i < d; i++) x[po + i] += pos[po + i];
        }
    }
}
