package dev.dycoke4j.pipeline;

import dev.dycoke4j.vision.FrameSink;
import dev.dycoke4j.vision.RgbFrame;
import dev.dycoke4j.vision.SiglipPass;

import java.util.List;

/**
 * {@link VisionStage#encode(VideoSource, VisionOptions)} cut into units of work, so that a caller can run other work
 * between them (a server's decode steps): each {@link #step} does one unit, and the last one makes the
 * {@link #result}. The first unit looks the video up in the vision-feature cache (a hit ends it there) and starts
 * decoding; then each unit is one piece of a batch of frames ({@link VisionBatch}: one frame's share of one op of one
 * layer of the vision tower, or one frame's projector and pooling), while the next frames are decoded and
 * preprocessed on the background threads; the last also stores the features in the cache. {@link #next} names the
 * next unit and {@link #ready} says whether it would wait for frames. The features, the cache entry and the frames
 * through the vision tower are those of the one-shot encode, which runs these same units back to back. A source whose
 * frames are not its sample after all (its container's frame count was wrong) re-encodes the frames that differ in
 * one unit; a source without a content key is decoded whole in the first unit. {@link #close} stops the background
 * threads of an encoding left unfinished. A model family with units of its own (Qwen2.5-VL: {@link QwenEncoding})
 * gives them as {@link Units}, which this encoding runs and times the same way. Not thread-safe.
 */
public final class VisionEncoding implements AutoCloseable {
    private final VisionStage stage;
    private final VisionEncoder encoder;
    private final VideoSource video;
    private final VisionOptions opts;
    private final VisionEncoder.Seconds sec = new VisionEncoder.Seconds();
    private final long[] projectPoolNanos = new long[1];
    /** Nanoseconds inside {@link #step}: the encode's wall time, without the caller's work between units. */
    private long busyNanos;
    /** When the current unit began. */
    private long stepStart;
    /** Seconds spent before the vision tower: hashing the video, or decoding a source without a content key first. */
    private double before;
    private boolean started;
    private String key;
    private StreamedFrames stream;
    /** The frames decoded first, when the source has no content key (null otherwise). */
    private List<RgbFrame> decoded;
    private PrefetchedPixels pixels;
    private FrameFeatures first;
    /** The batch of frames under way (null between batches). */
    private VisionBatch current;
    private EncodedVideo result;

    /** A model family's own units (null: LLaVA-OneVision's, below). */
    private final Units units;

    /** A model family's own units of work, which an encoding runs one per {@link #step} and times. */
    interface Units extends AutoCloseable {
        /** Runs the next unit; after the last, what it made, else null. */
        Finished step();

        /** What the next unit does, as {@link VisionEncoding#next} says it. */
        String next();

        /** Whether the next unit can run without waiting for frames being decoded or preprocessed in the background. */
        boolean ready();

        /** Stops the background work of units left unfinished; nothing once complete. */
        @Override
        void close();
    }

    /**
     * What a family's last unit made: the features, their cache key (where the encoding puts them unless they came
     * from the cache), whether they did, the seconds the decode took, and the other stages' seconds.
     */
    record Finished(VisionFeatures features, String key, boolean hit, double decode, VisionEncoder.Seconds sec) {
    }

    VisionEncoding(VisionStage stage, VisionEncoder encoder, VideoSource video, VisionOptions opts) {
        this.stage = stage;
        this.encoder = encoder;
        this.video = video;
        this.opts = opts;
        this.units = null;
    }

    /** An encoding of a family's own {@code units}, whose features go into {@code stage}'s cache. */
    VisionEncoding(VisionStage stage, Units units) {
        this.stage = stage;
        this.encoder = null;
        this.video = null;
        this.opts = null;
        this.units = units;
    }

    /**
     * Does the next unit of work; returns whether the encoding is complete ({@link #result} is ready). A failure (the
     * video does not decode) is thrown as the one-shot encode throws it, and leaves no background thread.
     */
    public boolean step() {
        if (result != null) return true;
        stepStart = System.nanoTime();
        try {
            if (units != null) {
                Finished f = units.step();
                if (f != null) {
                    sec.preprocess += f.sec().preprocess;
                    sec.vision += f.sec().vision;
                    sec.projectPool += f.sec().projectPool;
                    finish(f.features(), f.key(), f.hit(), f.decode());
                }
            } else if (!started) begin();
            else piece();
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        } finally {
            busyNanos += System.nanoTime() - stepStart;
        }
        if (result != null) close();
        return result != null;
    }

    /** Whether the encoding is complete. */
    public boolean done() {
        return result != null;
    }

    /**
     * What the next unit does: {@code lookup} (the first), a piece of the vision tower (as {@link SiglipPass#next}
     * names it; {@code embed} also takes the next batch's pixels), or {@code project}; a family with units of its own
     * names them ({@link QwenEncoding}).
     *
     * @throws IllegalStateException when the encoding is complete
     */
    public String next() {
        if (result != null) throw new IllegalStateException("the video is encoded");
        if (units != null) return units.next();
        if (!started) return "lookup";
        return current == null ? "embed" : current.next();
    }

    /**
     * Whether the next unit can run without waiting for frames that the background threads are still decoding or
     * preprocessing (a caller with other work may do it first).
     */
    public boolean ready() {
        if (result != null) return true;
        if (units != null) return units.ready();
        return current != null || pixels == null || pixels.ready();
    }

    /**
     * The encoded video, once {@link #done}.
     *
     * @throws IllegalStateException when units of work remain
     */
    public EncodedVideo result() {
        if (result == null) throw new IllegalStateException("the video is not encoded yet: call step() until it returns true");
        return result;
    }

    /** The cache lookup, and on a miss the start of decoding (with its frame count) or the whole decode. */
    private void begin() {
        started = true;
        long t0 = System.nanoTime();
        int frames = opts.frames(), batch = opts.visionBatch();
        String content = video.contentKey(frames);
        VisionStage.Found found;
        if (content == null) {
            decoded = video.decode(frames, FrameSink.NONE);
            before = (System.nanoTime() - t0) / 1e9;
            long t1 = System.nanoTime();
            found = stage.lookup(s -> FeatureKeys.featureKey(stage.modelId(), stage.preprocessor().config(), decoded, batch, s), opts);
            sec.preprocess = (System.nanoTime() - t1) / 1e9;
            if (found.features() != null) {
                finish(found.features(), found.key(), true, before);
                return;
            }
            key = found.key();
            first = encoder.frameFeatures(decoded.size(), opts);
            pixels = new PrefetchedPixels(stage.preprocessor(), decoded, batch);
            return;
        }
        before = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        found = stage.lookup(s -> FeatureKeys.contentFeatureKey(stage.modelId(), stage.preprocessor().config(), content, batch, s), opts);
        sec.preprocess = (System.nanoTime() - t1) / 1e9;
        if (found.features() != null) {
            video.cached(frames, found.features().frames());
            finish(found.features(), found.key(), true, before);
            return;
        }
        key = found.key();
        stream = new StreamedFrames(video, frames, batch);
        int expected = stream.expected();
        if (expected > 0) {
            first = encoder.frameFeatures(expected, opts);
            pixels = new PrefetchedPixels(stage.preprocessor(), expected, batch, stream::take);
        } else {
            sampleDone();
        }
    }

    /** One piece of the batch under way, taking the next batch's pixels first when none is; after the last, the features. */
    private void piece() {
        boolean changed = false;
        if (current == null) {
            int nb = Math.min(opts.visionBatch(), first.frames - first.done);
            encoder.progress.update("vision", first.done, first.frames);
            try {
                current = encoder.batch(pixels.next(), first, nb, projectPoolNanos, VisionEncoder.BatchTrace.NONE);
            } catch (StreamedFrames.SamplingChanged e) {
                changed = true; // fewer frames than the container said: the frames encoded so far are kept for the sample below
            }
        }
        if (current != null) {
            long t0 = System.nanoTime(), pp0 = projectPoolNanos[0];
            try {
                current.step();
            } finally {
                sec.vision += (System.nanoTime() - t0 - (projectPoolNanos[0] - pp0)) / 1e9;
            }
            if (current.done()) current = null;
        }
        if ((current == null && first.done == first.frames) || changed) {
            encoder.progress.update("vision", first.done, first.frames);
            closePixels();
            if (decoded != null) finish(encoder.features(first), key, false, before);
            else sampleDone();
        }
    }

    /**
     * The streamed frames are all taken (or the source stopped early): the features of the frames it returned, the
     * frames encoded so far reused where they are the sample's.
     */
    private void sampleDone() {
        List<RgbFrame> sampled = stream.result();
        boolean right = first != null && first.done == first.frames && stream.handedOver(sampled);
        VisionFeatures features = encoder.features(right ? first
                : encoder.reencode(stream.taken(), first, sampled, opts.visionBatch(), opts, sec));
        before += stream.decodeSeconds();
        finish(features, key, false, before);
    }

    private void finish(VisionFeatures features, String key, boolean hit, double decode) {
        if (!hit) stage.cache().put(key, features);
        sec.projectPool += projectPoolNanos[0] / 1e9;
        double wall = (busyNanos + (System.nanoTime() - stepStart)) / 1e9;
        double overlapped = Math.max(0, decode + sec.preprocess + sec.vision + sec.projectPool - wall);
        result = new EncodedVideo(features, key, hit, decode, sec.preprocess, sec.vision, sec.projectPool, overlapped);
    }

    private void closePixels() {
        if (pixels == null) return;
        pixels.close();
        sec.preprocess += pixels.busySeconds();
        pixels = null;
    }

    /** Stops the background threads (decoding, preprocessing) of an encoding left unfinished; nothing once complete. */
    @Override
    public void close() {
        if (units != null) units.close();
        if (pixels != null) {
            pixels.close();
            pixels = null;
        }
        if (stream != null) {
            stream.close();
            stream = null;
        }
    }
}
