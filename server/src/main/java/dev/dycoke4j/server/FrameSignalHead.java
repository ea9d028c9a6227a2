package dev.dycoke4j.server;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.pipeline.VideoQa;

/**
 * SigLIP's pooling head on the server's model, loaded from its {@link PoolingHeadSource} by the first request whose
 * method needs the frame signals and shared by every request after; a load that fails is tried again by the next such
 * request (the head may have reached the cache meanwhile).
 */
final class FrameSignalHead {
    private final VideoQa qa;
    private final PoolingHeadSource source;
    private boolean loaded;

    FrameSignalHead(VideoQa qa, PoolingHeadSource source) {
        this.qa = qa;
        this.source = source;
    }

    /**
     * Refuses a method the model's family cannot run (Qwen2.5-VL's tower has no pooling head, say); loads the head when
     * {@code comp} needs it and it is not loaded yet; the request that needs it is submitted after, so the scheduler's
     * thread sees it.
     *
     * @throws IllegalArgumentException when the model's family cannot run {@code comp}
     * @throws RuntimeException the source's, when the head is missing
     */
    synchronized void ensure(CompressionMethod comp) {
        qa.videoModel().checkMethod(comp);
        if (!comp.needsFrameSignals() || loaded) return;
        qa.poolingHead(source.load(comp.name()));
        loaded = true;
    }

    /** As {@link #ensure}, a method the model cannot run or a missing head a 400 naming the request's method. */
    void ensureFor(CompressionMethod comp) {
        try {
            ensure(comp);
        } catch (RuntimeException e) {
            throw ApiError.invalid("dycoke.compress", e.getMessage());
        }
    }
}
