package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.FastVid;
import dev.dycoke4j.vision.Preprocessor;
import dev.dycoke4j.vision.RgbFrame;
import dev.dycoke4j.vision.SiglipPoolingHead;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The vision tower, projector and pooling over a video in batches of frames, with preprocessing on another thread
 * ({@link PrefetchedPixels}) and, for a streamed video whose sample changed, re-encoding only the frames not encoded
 * already. {@link VisionStage} puts the cache and the seconds around it.
 */
final class VisionEncoder {
    /** Seconds of the vision side's stages, added up over the passes of one encode. */
    static final class Seconds {
        double preprocess, vision, projectPool;
    }

    /**
     * The vision hidden states and projected rows of frames from {@code f0} on (one frame at a time), for a trace; the
     * arrays are the batch's own, reused for its next frame, so a trace copies what it keeps.
     */
    interface BatchTrace {
        BatchTrace NONE = (f0, hidden, projected) -> {
        };

        void batch(int f0, float[] hidden, float[] projected);
    }

    private final LlavaOneVision model;
    private final Preprocessor preprocessor;
    VideoQa.Progress progress = VideoQa.Progress.NONE;
    /** SigLIP's attention-pooling head, for the frame signals; null when none is loaded. */
    SiglipPoolingHead head;
    /** Frames that went through the vision tower, over the life of this object. */
    long visionFrames;

    VisionEncoder(LlavaOneVision model, Preprocessor preprocessor) {
        this.model = model;
        this.preprocessor = preprocessor;
    }

    /**
     * Room for the per-frame features of {@code frames} frames, with the received attention when {@code o.saliency()}
     * and the pooling head's outputs when {@code o.frameSignals()}.
     *
     * @throws IllegalStateException when the frame signals are asked for and no pooling head is loaded
     */
    FrameFeatures frameFeatures(int frames, VisionOptions o) {
        if (o.frameSignals() && head == null)
            throw new IllegalStateException("the frame signals need SigLIP's attention-pooling head, which LLaVA-OneVision checkpoints do not contain,"
                    + " and none is loaded (VideoQa.poolingHead)");
        return new FrameFeatures(frames, model.tokensPerFrame() * model.config().text().hiddenSize(), model.config().vision().numPatches(),
                o.saliency(), o.frameSignals() ? head.dim() : 0);
    }

    /**
     * The features of {@code f}'s frames, all done: its pooled rows, the saliency pooled from the received attention,
     * and the frame signals with the probe attention pooled the same way.
     */
    VisionFeatures features(FrameFeatures f) {
        return new VisionFeatures(f.frames, model.tokensPerFrame(), model.config().text().hiddenSize(), f.pooled,
                f.received == null ? null : model.poolScores(f.received, f.frames),
                f.probe == null ? null : new FastVid.FrameSignals(model.poolScores(f.probe, f.frames), f.embedding, f.embedDim));
    }

    /** Decoded frames, preprocessed on another thread while the frames before go through the vision tower. */
    VisionFeatures encodeFrames(List<RgbFrame> frames, int batch, VisionOptions o, Seconds sec) {
        return features(encodeFrames(new PrefetchedPixels(preprocessor, frames, batch), frameFeatures(frames.size(), o), batch, sec));
    }

    /**
     * The vision tower, projector and pooling on {@code out.frames} frames of {@code px}, into {@code out} (which keeps
     * the frames finished when this throws), adding to {@code sec} the time {@code px}'s thread spent preprocessing,
     * and the vision time (this thread's, without the waits for pixels and without the projector and pooling, which go
     * to their own figure). Closes {@code px}.
     */
    FrameFeatures encodeFrames(PrefetchedPixels px, FrameFeatures out, int batch, Seconds sec) {
        long t0 = System.nanoTime();
        long[] projectPoolNanos = new long[1];
        try (px) {
            encodeInto(nb -> px.next(), out, batch, projectPoolNanos, BatchTrace.NONE);
        } finally {
            double projectPool = projectPoolNanos[0] / 1e9;
            sec.preprocess += px.busySeconds();
            sec.projectPool += projectPool;
            sec.vision += (System.nanoTime() - t0) / 1e9 - px.waitedSeconds() - projectPool;
        }
        return out;
    }

    /**
     * The features of {@code sampled}, the frames a source returned after its early frames turned out not to be its
     * sample: a frame with the RGB of one of the {@code first.done} first frames of {@code streamed} (encoded in
     * {@code first}) takes its features, the others go through the vision tower, and all are put in {@code sampled}'s
     * order. As a frame's features depend on nothing but its RGB (not on the frames beside it in a batch), they are the
     * features of encoding {@code sampled} from scratch. Finding the same frames counts as preprocessing.
     */
    FrameFeatures reencode(List<RgbFrame> streamed, FrameFeatures first, List<RgbFrame> sampled, int batch,
                           VisionOptions o, Seconds sec) {
        long t0 = System.nanoTime();
        int[] from = SameFrames.match(first == null ? List.of() : streamed.subList(0, first.done), sampled);
        List<RgbFrame> fresh = new ArrayList<>();
        for (int j = 0; j < from.length; j++) if (from[j] < 0) fresh.add(sampled.get(j));
        sec.preprocess += (System.nanoTime() - t0) / 1e9;
        FrameFeatures encoded = fresh.isEmpty() ? null
                : encodeFrames(new PrefetchedPixels(preprocessor, fresh, batch), frameFeatures(fresh.size(), o), batch, sec);
        long t1 = System.nanoTime();
        FrameFeatures out = frameFeatures(sampled.size(), o);
        for (int j = 0, k = 0; j < from.length; j++) out.copy(from[j] >= 0 ? first : encoded, from[j] >= 0 ? from[j] : k++, j);
        out.done = out.frames;
        sec.preprocess += (System.nanoTime() - t1) / 1e9;
        return out;
    }

    /**
     * Pixel values already in memory, {@code [frames, 3, H, W]}, a batch at a time on this thread, adding the vision
     * and projector seconds to {@code sec}; the trace, when given, receives every stage's tensors.
     */
    VisionFeatures encodePixels(float[] pixels, int frames, int batch, VisionOptions o, Trace trace, Seconds sec) {
        long t0 = System.nanoTime();
        var vc = model.config().vision();
        int P = vc.numPatches(), tpf = model.tokensPerFrame(), dv = vc.hiddenSize(), dt = model.config().text().hiddenSize();
        int per = 3 * vc.imageSize() * vc.imageSize();
        FrameFeatures out = frameFeatures(frames, o);
        float[] hiddenAll = trace != null ? new float[frames * P * dv] : null;
        float[] projAll = trace != null ? new float[frames * P * dt] : null;
        int[] next = {0};
        long[] projectPoolNanos = new long[1];
        encodeInto(nb -> {
            int f0 = next[0];
            next[0] += nb;
            return Arrays.copyOfRange(pixels, f0 * per, (f0 + nb) * per);
        }, out, batch, projectPoolNanos, (f0, hidden, proj) -> {
            if (trace == null) return;
            System.arraycopy(hidden, 0, hiddenAll, f0 * P * dv, hidden.length);
            System.arraycopy(proj, 0, projAll, f0 * P * dt, proj.length);
        });
        VisionFeatures features = features(out);
        if (trace != null && o.saliency()) trace.floats("saliency", features.saliency(), (long) frames * tpf);
        if (trace != null) {
            trace.floats("vision_hidden", hiddenAll, frames, P, dv);
            trace.floats("projected", projAll, frames, P, dt);
            trace.floats("pooled", out.pooled, (long) frames * tpf, dt);
        }
        double projectPool = projectPoolNanos[0] / 1e9;
        sec.projectPool += projectPool;
        sec.vision += (System.nanoTime() - t0) / 1e9 - projectPool;
        return features;
    }

    /**
     * The vision tower, projector and pooling on {@code out.frames} frames whose pixel values {@code nextBatch} gives
     * a batch at a time, into {@code out}, whose {@link FrameFeatures#done} counts the frames finished (so a pass
     * that fails part way keeps those before). Adds the projector and pooling time to {@code projectPoolNanos[0]}.
     */
    private void encodeInto(IntFunction<float[]> nextBatch, FrameFeatures out, int batch, long[] projectPoolNanos, BatchTrace trace) {
        int frames = out.frames;
        for (int f0 = 0; f0 < frames; f0 += batch) {
            int nb = Math.min(batch, frames - f0);
            progress.update("vision", f0, frames);
            encodeBatch(nextBatch.apply(nb), out, nb, projectPoolNanos, trace);
        }
        progress.update("vision", frames, frames);
    }

    /**
     * The next {@code nb} frames of {@code out} (from frame {@code out.done}) through the vision tower, projector and
     * pooling, from their pixel values {@code px}; adds the projector and pooling time to {@code projectPoolNanos[0]}.
     * The pieces of {@link #batch}, back to back.
     */
    void encodeBatch(float[] px, FrameFeatures out, int nb, long[] projectPoolNanos, BatchTrace trace) {
        VisionBatch b = batch(px, out, nb, projectPoolNanos, trace);
        while (!b.done()) b.step();
    }

    /** {@link #encodeBatch} as pieces that the caller runs one at a time ({@link VisionBatch#step}). */
    VisionBatch batch(float[] px, FrameFeatures out, int nb, long[] projectPoolNanos, BatchTrace trace) {
        var vc = model.config().vision();
        int per = 3 * vc.imageSize() * vc.imageSize();
        if (px.length != nb * per)
            throw new IllegalArgumentException("frames preprocess to " + px.length / (3 * nb) + " pixels, the vision tower takes "
                    + vc.imageSize() + "x" + vc.imageSize());
        return new VisionBatch(this, model, px, out, nb, projectPoolNanos, trace);
    }

    /** The pooling head on one frame's rows of the tower's output {@code hidden [P, dv]}, into frame {@code f} of {@code out}. */
    void frameSignals(float[] hidden, int f, FrameFeatures out) {
        SiglipPoolingHead.Output h = head.apply(hidden, 0, out.patches);
        System.arraycopy(h.attention(), 0, out.probe, f * out.patches, out.patches);
        System.arraycopy(h.embedding(), 0, out.embedding, f * out.embedDim, out.embedDim);
    }
}
