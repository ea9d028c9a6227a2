package dev.dycoke4j.pipeline;

import dev.dycoke4j.cache.Codec;
import dev.dycoke4j.compress.FastVid;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * What the vision side gives for a video, the value of the vision-feature cache: pooled features
 * {@code [frames·tokensPerFrame, dim]}, and, when the method ranks tokens by it, the attention each pooled token
 * received in the vision tower's last layer ({@code saliency}, else null); and, for the methods that need them, the
 * frame signals of SigLIP's attention-pooling head ({@code signals}, its probe attention pooled like the features; else
 * null). For a family whose tokens sit on a grid in time (Qwen2.5-VL), {@code grid} says how (else null: one video
 * frame per frame of tokens, square frames, no timing): a frame here is then one temporal step.
 */
public record VisionFeatures(int frames, int tokensPerFrame, int dim, float[] pooled, float[] saliency, FastVid.FrameSignals signals,
                             TemporalGrid grid) {
    /**
     * How the tokens of a family that places them in time lie: each frame of tokens is one temporal step of
     * {@code framesPerStep} video frames, {@code width} tokens per row, and spans {@code secondsPerStep} seconds
     * (Qwen2.5-VL's {@code second_per_grid_ts}, which its M-RoPE positions scale).
     */
    public record TemporalGrid(int width, int framesPerStep, double secondsPerStep) {
        public TemporalGrid {
            if (width < 1 || framesPerStep < 1 || !(secondsPerStep >= 0) || Double.isInfinite(secondsPerStep))
                throw new IllegalArgumentException("a temporal grid of width " + width + ", " + framesPerStep + " frames per step and "
                        + secondsPerStep + " s per step");
        }
    }

    public VisionFeatures {
        if (grid != null && tokensPerFrame % grid.width() != 0)
            throw new IllegalArgumentException(tokensPerFrame + " tokens per frame are not rows of " + grid.width());
        long n = (long) frames * tokensPerFrame;
        if (frames < 1 || tokensPerFrame < 1 || dim < 1 || pooled.length != n * dim)
            throw new IllegalArgumentException(frames + " frames x " + tokensPerFrame + " tokens x " + dim + " do not match " + pooled.length + " floats");
        if (saliency != null && saliency.length != n)
            throw new IllegalArgumentException(n + " tokens but " + saliency.length + " saliency values");
        if (signals != null && (signals.frames() != frames || signals.probeAttention().length != n))
            throw new IllegalArgumentException(frames + " frames of " + tokensPerFrame + " tokens but frame signals of " + signals.frames()
                    + " frames and " + signals.probeAttention().length + " tokens");
    }

    public VisionFeatures(int frames, int tokensPerFrame, int dim, float[] pooled, float[] saliency) {
        this(frames, tokensPerFrame, dim, pooled, saliency, null, null);
    }

    public VisionFeatures(int frames, int tokensPerFrame, int dim, float[] pooled, float[] saliency, FastVid.FrameSignals signals) {
        this(frames, tokensPerFrame, dim, pooled, saliency, signals, null);
    }

    /** The video frames these features are of: the frames, or the temporal steps times their frames. */
    public int videoFrames() {
        return grid == null ? frames : frames * grid.framesPerStep();
    }

    /** The same features without the saliency unless {@code saliency}, without the frame signals unless {@code signals}. */
    VisionFeatures keeping(boolean saliency, boolean signals) {
        return new VisionFeatures(frames, tokensPerFrame, dim, pooled, saliency ? this.saliency : null, signals ? this.signals : null, grid);
    }

    public long bytes() {
        return (long) Float.BYTES * (pooled.length + (saliency == null ? 0 : saliency.length) + signalFloats()) + 32 + (grid == null ? 0 : 16);
    }

    private int signalFloats() {
        return signals == null ? 0 : signals.probeAttention().length + signals.embedding().length;
    }

    /**
     * Little-endian: frames, tokensPerFrame, dim, flags (1: saliency, 2: frame signals, 4: temporal grid), then the
     * pooled floats, the saliency, the frame signals' embedding width, probe attention and embeddings, and the temporal
     * grid's width, frames per step and seconds per step (a double).
     */
    public static final Codec<VisionFeatures> CODEC = new Codec<>() {
        @Override
        public long bytes(VisionFeatures v) {
            return v.bytes();
        }

        @Override
        public byte[] write(VisionFeatures v) {
            int n = v.pooled.length + (v.saliency == null ? 0 : v.saliency.length);
            ByteBuffer b = ByteBuffer.allocate(16 + 4 * n + (v.signals == null ? 0 : 4 + 4 * v.signalFloats()) + (v.grid == null ? 0 : 16))
                    .order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(v.frames).putInt(v.tokensPerFrame).putInt(v.dim)
                    .putInt((v.saliency == null ? 0 : 1) | (v.signals == null ? 0 : 2) | (v.grid == null ? 0 : 4));
            put(b, v.pooled);
            if (v.saliency != null) put(b, v.saliency);
            if (v.signals != null) {
                b.putInt(v.signals.dim());
                put(b, v.signals.probeAttention());
                put(b, v.signals.embedding());
            }
            if (v.grid != null) b.putInt(v.grid.width()).putInt(v.grid.framesPerStep()).putDouble(v.grid.secondsPerStep());
            return b.array();
        }

        @Override
        public VisionFeatures read(ByteBuffer b) {
            b = b.slice().order(ByteOrder.LITTLE_ENDIAN);
            int frames = b.getInt(), tpf = b.getInt(), dim = b.getInt(), flags = b.getInt();
            long n = (long) frames * tpf;
            int sal = flags & 1;
            if (frames < 1 || tpf < 1 || dim < 1 || (flags & ~7) != 0 || b.remaining() < 4 * (n * dim + sal * n))
                throw new IllegalArgumentException("not vision features");
            float[] pooled = floats(b, Math.toIntExact(n * dim));
            float[] s = sal == 1 ? floats(b, (int) n) : null;
            FastVid.FrameSignals signals = null;
            if ((flags & 2) != 0) {
                int g = b.remaining() >= 4 ? b.getInt() : 0;
                int gridBytes = (flags & 4) != 0 ? 16 : 0;
                if (g < 1 || b.remaining() != 4 * (n + (long) frames * g) + gridBytes) throw new IllegalArgumentException("not vision features");
                signals = new FastVid.FrameSignals(floats(b, (int) n), floats(b, frames * g), g);
            }
            TemporalGrid grid = null;
            if ((flags & 4) != 0) {
                if (b.remaining() != 16) throw new IllegalArgumentException("not vision features");
                grid = new TemporalGrid(b.getInt(), b.getInt(), b.getDouble());
            }
            if (b.remaining() != 0) throw new IllegalArgumentException("not vision features");
            return new VisionFeatures(frames, tpf, dim, pooled, s, signals, grid);
        }
    };

    private static void put(ByteBuffer b, float[] f) {
        b.asFloatBuffer().put(f);
        b.position(b.position() + 4 * f.length);
    }

    private static float[] floats(ByteBuffer b, int n) {
        float[] f = new float[n];
        b.asFloatBuffer().get(f);
        b.position(b.position() + 4 * n);
        return f;
    }
}
