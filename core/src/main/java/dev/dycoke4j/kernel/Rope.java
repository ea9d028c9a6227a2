package dev.dycoke4j.kernel;

/**
 * Rotary position embeddings in the "rotate half" layout of HF Qwen2: dimension i pairs with i + d/2. The inverse
 * frequencies and angles are computed in float32, as transformers does, so positions match the reference bit for bit
 * in the angle.
 */
public final class Rope {
    private final int headDim;
    private final float[] invFreq;

    public Rope(int headDim, double theta) {
        if (headDim % 2 != 0) throw new IllegalArgumentException("RoPE needs an even head dimension, got " + headDim);
        this.headDim = headDim;
        this.invFreq = new float[headDim / 2];
        float base = (float) theta;
        for (int i = 0; i < headDim / 2; i++) {
            float exponent = (float) (2 * i) / headDim;
            invFreq[i] = 1.0f / (float) Math.pow(base, exponent);
        }
    }

    /** Rotates {@code heads} vectors of {@code headDim} at {@code x[off + h*headDim]} by position {@code pos}. */
    public void apply(float[] x, int off, int heads, int pos, float[] cos, float[] sin) {
        int half = headDim / 2;
        angles(pos, cos, sin);
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

    public int headDim() {
        return headDim;
    }
}
