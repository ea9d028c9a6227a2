package dev.dycoke4j.pipeline;

import dev.dycoke4j.vision.FrameSink;
import dev.dycoke4j.vision.RgbFrame;

import java.util.List;
import java.util.function.Supplier;

/**
 * {@link VisionStage#encode(VideoSource, VisionOptions)} cut into units of work, so that a caller can run other work
 * between them (a server's decode steps): each {@link #step} does one unit, and the last one makes the
 * {@link #result}. The first unit looks the video up in the vision-feature cache (a hit ends it there) and starts
 * decoding; then each unit puts one batch of frames through the vision tower while the next frames are decoded and
 * preprocessed on the background threads; the last also stores the features in the cache. The features, the cache
 * entry and the frames through the vision tower are those of the one-shot encode, which runs these same units back to
 * back. A source whose frames are not its sample after all (its container's frame count was wrong) re-encodes the
 * frames that differ in one unit; a source without a content key is decoded whole in the first unit. {@link #close}
 * stops the background threads of an encoding left unfinished. A model family whose tower takes the whole video at
 * once (Qwen2.5-VL) encodes in one unit ({@link #whole}). Not thread-safe.
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
    private EncodedVideo result;

    /** The whole encode, run in the first unit; null when the encode streams in units. */
    private final Supplier<EncodedVideo> oneUnit;

    VisionEncoding(VisionStage stage, VisionEncoder encoder, VideoSource video, VisionOptions opts) {
        this(stage, encoder, video, opts, null);
    }

    private VisionEncoding(VisionStage stage, VisionEncoder encoder, VideoSource video, VisionOptions opts, Supplier<EncodedVideo> oneUnit) {
        this.stage = stage;
        this.encoder = encoder;
        this.video = video;
        this.opts = opts;
        this.oneUnit = oneUnit;
    }

    /** An encoding of one unit, {@code encode} (the cache lookup, decoding and the vision tower, all of them). */
    static VisionEncoding whole(Supplier<EncodedVideo> encode) {
        return new VisionEncoding(null, null, null, null, encode);
    }

    /**
     * Does the next unit of work; returns whether the encoding is complete ({@link #result} is ready). A failure (the
     * video does not decode) is thrown as the one-shot encode throws it, and leaves no background thread.
     */
    public boolean step() {
        if (result != null) return true;
        stepStart = System.nanoTime();
        try {
            if (oneUnit != null) result = oneUnit.get();
            else if (!started) begin();
            else batch();
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

    /** One batch of frames through the vision tower; after the last, the features. */
    private void batch() {
        int nb = Math.min(opts.visionBatch(), first.frames - first.done);
        encoder.progress.update("vision", first.done, first.frames);
        long t0 = System.nanoTime(), waited0 = waitedNanos(), pp0 = projectPoolNanos[0];
        boolean changed = false;
        try {
            encoder.encodeBatch(pixels.next(), first, nb, projectPoolNanos, VisionEncoder.BatchTrace.NONE);
        } catch (StreamedFrames.SamplingChanged e) {
            changed = true; // fewer frames than the container said: the frames encoded so far are kept for the sample below
        } finally {
            sec.vision += (System.nanoTime() - t0 - (waitedNanos() - waited0) - (projectPoolNanos[0] - pp0)) / 1e9;
        }
        if (first.done == first.frames || changed) {
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

    private long waitedNanos() {
        return pixels == null ? 0 : (long) (pixels.waitedSeconds() * 1e9);
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
