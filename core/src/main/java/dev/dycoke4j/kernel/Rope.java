package dev.dycoke4j.kernel;

/**
 * Rotary position embeddings in the "rotate half" layout of HF Qwen2: dimension i pairs with i + d/2. The inverse
 * frequencies and angles are computed in float32, as transformers does, so positions match the reference bit for bit
 * in the angle.
 *
 * <p>With an M-RoPE section (Qwen2.5-VL's {@code mrope_section}, say [16, 24, 24] of 64 frequencies), a position is a
 * (temporal, height, width) triple and frequency i turns by the axis whose section holds i: the first section's
 * frequencies by t, the next by h, the last by w; both halves of the head use the same split (transformers'
 * {@code apply_multimodal_rotary_pos_emb} repeats the sections for the second half). A triple whose three axes are
 * equal is exactly the 1D rotation, which text tokens and every decode step use: it takes the 1D path.
 */
public final class Rope {
    private final int headDim;
    private final float[] invFreq;
    /** The axis (0 t, 1 h, 2 w) of each frequency; null without M-RoPE. */
    private final byte[] axis;

    public Rope(int headDim, double theta) {
        this(headDim, theta, null);
    }

    /** With M-RoPE over {@code mropeSection} (three counts adding up to headDim/2), or 1D when it is null. */
    public Rope(int headDim, double theta, int[] mropeSection) {
        if (headDim % 2 != 0) throw new IllegalArgumentException("RoPE needs an even head dimension, got " + headDim);
        this.headDim = headDim;
        this.invFreq = new float[headDim / 2];
        float base = (float) theta;
        for (int i = 0; i < headDim / 2; i++) {
            float exponent = (float) (2 * i) / headDim;
            invFreq[i] = 1.0f / (float) Math.pow(base, exponent);
        }
        this.axis = mropeSection == null ? null : axes(mropeSection, headDim / 2);
    }

    private static byte[] axes(int[] section, int half) {
        if (section.length != 3 || section[0] < 0 || section[1] < 0 || section[2] < 0 || section[0] + section[1] + section[2] != half)
            throw new IllegalArgumentException("an M-RoPE section is three counts adding up to " + half + ", got " + java.util.Arrays.toString(section));
        byte[] a = new byte[half];
        for (int i = 0; i < half; i++) a[i] = (byte) (i < section[0] ? 0 : i < section[0] + section[1] ? 1 : 2);
        return a;
    }

    /** Rotates {@code heads} vectors of {@code headDim} at {@code x[off + h*headDim]} by position {@code pos}. */
    public void apply(float[] x, int off, int heads, int pos, float[] cos, float[] sin) {
        angles(pos, cos, sin);
        rotate(x, off, heads, cos, sin);
    }

    /**
     * Rotates by the M-RoPE position (t, h, w); without an M-RoPE section, or when the three are equal, this is the 1D
     * rotation by t.
     */
    public void apply(float[] x, int off, int heads, int t, int h, int w, float[] cos, float[] sin) {
        if (axis == null || (t == h && h == w)) angles(t, cos, sin);
        else angles(t, h, w, cos, sin);
        rotate(x, off, heads, cos, sin);
    }

    /** Whether this rotation splits its frequencies over three position axes. */
    public boolean multimodal() {
        return axis != null;
    }

    /** Rotates {@code heads} vectors by the angles in cos and sin ({@code headDim/2} each). */
    private void rotate(float[] x, int off, int heads, float[] cos, float[] sin) {
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            int o = off + h * headDim;
            for (int i = 0; i < half; i++) {
                float a = x[o + i], b = x[o + i + half];
                x[o + i] = a * cos[i] - b * sin[i];
                x[o + i + half] = b * cos[i] + a * sin[i];
            }
        }
    }

    /** cos and sin of {@code pos · invFreq[i]} for i &lt; headDim/2, computed from the float32 angle. */
    public void angles(int pos, float[] cos, float[] sin) {
        float p = pos;
        for (int i = 0; i < invFreq.length; i++) {
            float a = p * invFreq[i];
            cos[i] = (float) Math.cos(a);
            sin[i] = (float) Math.sin(a);
        }
    }

    /** cos and sin of frequency i at the position of its M-RoPE axis, from the float32 angle. */
    public void angles(int t, int h, int w, float[] cos, float[] sin) {
        if (axis == null) throw new IllegalStateException("this RoPE has no M-RoPE section");
        float pt = t, ph = h, pw = w;
        for (int i = 0; i < invFreq.length; i++) {
            float p = axis[i] == 0 ? pt : axis[i] == 1 ? ph : pw;
            float a = p * invFreq[i];
            cos[i] = (float) Math.cos(a);
            sin[i] = (float) Math.sin(a);
        }
    }

    public int headDim() {
        return headDim;
    }
}
