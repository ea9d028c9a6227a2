package dev.dycoke4j.compress;

/**
 * Baseline: keeps whole frames at a uniform stride, as many as the ratio's budget holds. Of F frames of T tokens it
 * keeps {@code m = clamp(round(keep(ratio, F·T) / T), 1, F)} frames, frames {@code floor(i·F/m)} for i = 0..m-1 (every
 * k-th frame when m divides F, frame 0 always), each with all its tokens, in order.
 */
public final class FrameSubsampling implements Compressor {
    private final double ratio;

    public FrameSubsampling(double ratio) {
        Budget.checkRatio("frame subsampling", ratio);
        this.ratio = ratio;
    }

    /** Frames kept of {@code frames} frames of {@code tokensPerFrame}. */
    public int framesKept(int frames, int tokensPerFrame) {
        int budget = Budget.keep(ratio, frames * tokensPerFrame);
        return (int) Math.min(frames, Math.max(1, Math.round((double) budget / tokensPerFrame)));
    }

    /** The kept frames, ascending. */
    public int[] keptFrames(int frames, int tokensPerFrame) {
        return Budget.spread(frames, framesKept(frames, tokensPerFrame));
    }

    @Override
    public VisualTokens compress(VisualTokens in) {
        int F = in.frames(), T = in.tokensPerFrame();
        if (in.count() != F * T) throw new IllegalArgumentException("frame subsampling needs every pooled token, got " + in.count() + " of " + F * T);
        int[] frames = keptFrames(F, T);
        int[] rows = new int[frames.length * T];
        for (int i = 0; i < frames.length; i++) for (int t = 0; t < T; t++) rows[i * T + t] = frames[i] * T + t;
        return in.select(rows);
    }
}
