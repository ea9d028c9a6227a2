package dev.dycoke4j.pipeline;

import dev.dycoke4j.vision.FrameSink;
import dev.dycoke4j.vision.RgbFrame;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link VideoSource} over frames in memory that streams what a test says: the count it predicts and the frames it
 * hands over early (right, too few, other ones), or a failure after some frames; it counts its decodes and cache hits.
 */
class FakeVideo implements VideoSource {
    final String key;
    final List<RgbFrame> frames;
    int predicted;
    List<RgbFrame> early;
    RuntimeException failAfterEarly;
    int decodes;
    final List<int[]> cachedCalls = new ArrayList<>();

    /** Streams exactly {@code frames} (a right prediction), keyed by {@code key}. */
    FakeVideo(String key, List<RgbFrame> frames) {
        this.key = key;
        this.frames = frames;
        this.predicted = frames.size();
        this.early = frames;
    }

    /** Predicts {@code predicted} frames and hands over {@code early}, then returns the real frames. */
    FakeVideo streaming(int predicted, List<RgbFrame> early) {
        this.predicted = predicted;
        this.early = early;
        return this;
    }

    /** Hands over the early frames, then throws {@code e}. */
    FakeVideo failing(RuntimeException e) {
        this.failAfterEarly = e;
        return this;
    }

    @Override
    public String contentKey(int n) {
        return key == null ? null : key + "/" + n;
    }

    @Override
    public List<RgbFrame> decode(int n, FrameSink sink) {
        decodes++;
        sink.expect(predicted);
        for (RgbFrame f : early) sink.accept(f);
        if (failAfterEarly != null) throw failAfterEarly;
        return frames.subList(0, Math.min(n, frames.size()));
    }

    @Override
    public void cached(int n, int used) {
        cachedCalls.add(new int[]{n, used});
    }
}
