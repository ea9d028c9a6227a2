package dev.dycoke4j.pipeline;

import dev.dycoke4j.cache.Codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * What the vision side gives for a video, the value of the vision-feature cache: pooled features
 * {@code [frames·tokensPerFrame, dim]}, and, when the method ranks tokens by it, the attention each pooled token
 * received in the vision tower's last layer ({@code saliency}, else null).
 */
public record VisionFeatures(int frames, int tokensPerFrame, int dim, float[] pooled, float[] saliency) {
    public VisionFeatures {
        long n = (long) frames * tokensPerFrame;
        if (frames < 1 || tokensPerFrame < 1 || dim < 1 || pooled.length != n * dim)
            throw new IllegalArgumentException(frames + " frames x " + tokensPerFrame + " tokens x " + dim + " do not match " + pooled.length + " floats");
        if (saliency != null && saliency.length != n)
            throw new IllegalArgumentException(n + " tokens but " + saliency.length + " saliency values");
    }

    public long bytes() {
        return (long) Float.BYTES * (pooled.length + (saliency == null ? 0 : saliency.length)) + 32;
    }

    /** Little-endian: frames, tokensPerFrame, dim, has-saliency, then the floats. */
    public static final Codec<VisionFeatures> CODEC = new Codec<>() {
        @Override
        public long bytes(VisionFeatures v) {
            return v.bytes();
        }

        @Override
        public byte[] write(VisionFeatures v) {
            int n = v.pooled.length + (v.saliency == null ? 0 : v.saliency.length);
            ByteBuffer b = ByteBuffer.allocate(16 + 4 * n).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(v.frames).putInt(v.tokensPerFrame).putInt(v.dim).putInt(v.saliency == null ? 0 : 1);
            b.asFloatBuffer().put(v.pooled);
            if (v.saliency != null) b.position(16 + 4 * v.pooled.length).asFloatBuffer().put(v.saliency);
            return b.array();
        }

        @Override
        public VisionFeatures read(ByteBuffer b) {
            b = b.slice().order(ByteOrder.LITTLE_ENDIAN);
            int frames = b.getInt(), tpf = b.getInt(), dim = b.getInt(), sal = b.getInt();
            long n = (long) frames * tpf;
            if (frames < 1 || tpf < 1 || dim < 1 || (sal != 0 && sal != 1) || b.remaining() != 4 * (n * dim + sal * n))
                throw new IllegalArgumentException("not vision features");
            float[] pooled = new float[Math.toIntExact(n * dim)];
            b.asFloatBuffer().get(pooled);
            float[] s = null;
            if (sal == 1) {
                s = new float[(int) n];
                b.position(b.position() + 4 * pooled.length).asFloatBuffer().get(s);
            }
            return new VisionFeatures(frames, tpf, dim, pooled, s);
        }
    };
}
