package dev.dycoke4j.pipeline;

import dev.dycoke4j.vision.QwenPass;
import dev.dycoke4j.vision.QwenPixels;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Qwen2.5-VL's encode of a video as units of work ({@link VisionEncoding.Units}). The first unit ({@code lookup})
 * looks the video up in the vision-feature cache by its timed content key (a hit ends it there, nothing decoded) and
 * starts one background thread that samples the frames as Qwen's sampler does ({@link VideoSource#decodeTimed}) and
 * preprocesses them; meanwhile {@link #ready} is false. The next unit takes the pixels (a source without a content key
 * is looked up by its frames now, and a hit ends it) and runs the tower's first piece; each unit after is one piece
 * of {@link QwenPass} (one group of windows' share of one op of one block, or of the merger); the last one makes the
 * features. The features and the cache entry are those of the one-shot encode, which runs these units back to back.
 */
final class QwenEncoding implements VisionEncoding.Units {
    /** The sampled frames' pixels, and the seconds the background thread spent decoding and preprocessing them. */
    private record Decoded(VideoSource.Timed timed, QwenPixels pixels, double decodeSeconds, double preprocessSeconds) {
    }

    private final QwenVision vision;
    private final Qwen25Vl model;
    private final VisionStage stage;
    private final VideoSource video;
    private final VisionOptions opts;
    private final VisionEncoder.Seconds sec = new VisionEncoder.Seconds();
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(1);
    private Thread worker;
    private boolean started;
    private String key;
    private double decode;
    private Decoded decoded;
    private QwenPass pass;

    QwenEncoding(QwenVision vision, Qwen25Vl model, VisionStage stage, VideoSource video, VisionOptions opts) {
        this.vision = vision;
        this.model = model;
        this.stage = stage;
        this.video = video;
        this.opts = opts;
    }

    @Override
    public String next() {
        if (!started) return "lookup";
        return pass == null ? "embed" : pass.next();
    }

    @Override
    public boolean ready() {
        return !started || decoded != null || !queue.isEmpty();
    }

    @Override
    public VisionEncoding.Finished step() {
        if (!started) return lookup();
        if (pass == null) {
            VisionEncoding.Finished hit = take();
            if (hit != null) return hit;
        }
        long t0 = System.nanoTime();
        try {
            pass.step();
        } finally {
            sec.vision += (System.nanoTime() - t0) / 1e9;
        }
        if (!pass.done()) return null;
        int frames = decoded.timed().frames().size();
        vision.towerDone(frames);
        return new VisionEncoding.Finished(vision.features(decoded.pixels(), pass.embeds(), decoded.timed().secondsPerStep()), key, false,
                decode, sec);
    }

    /** The lookup by the timed content key; on a miss, the background decode starts. */
    private VisionEncoding.Finished lookup() {
        started = true;
        long t0 = System.nanoTime();
        int frames = opts.frames();
        String content = video.timedContentKey(frames, model.temporalPatch());
        decode = (System.nanoTime() - t0) / 1e9;
        if (content != null) {
            long t1 = System.nanoTime();
            VisionStage.Found found = stage.lookup(s -> vision.contentKey(stage.modelId(), content, s), opts);
            sec.preprocess += (System.nanoTime() - t1) / 1e9;
            if (found.features() != null) {
                video.cached(frames, found.features().videoFrames());
                return new VisionEncoding.Finished(found.features(), found.key(), true, decode, sec);
            }
            key = found.key();
        }
        worker = Thread.ofPlatform().daemon().name("dycoke-decode").unstarted(() -> {
            try {
                long a = System.nanoTime();
                VideoSource.Timed timed = video.decodeTimed(frames, model.temporalPatch());
                long b = System.nanoTime();
                QwenPixels px = model.preprocessor().pixels(timed.frames());
                queue.put(new Decoded(timed, px, (b - a) / 1e9, (System.nanoTime() - b) / 1e9));
            } catch (InterruptedException e) {
                // closed before the end: nobody takes the frames
            } catch (Throwable t) {
                Handoff.fail(queue, t);
            }
        });
        worker.start();
        return null;
    }

    /**
     * The decoded frames, waiting for them if needed; for a source without a content key, the lookup by the frames
     * (a hit ends the encoding). Then the pass over their pixels.
     */
    private VisionEncoding.Finished take() {
        decoded = (Decoded) Handoff.take(queue, "the sampled frames");
        close();
        decode += decoded.decodeSeconds();
        sec.preprocess += decoded.preprocessSeconds();
        VideoSource.Timed timed = decoded.timed();
        if (key == null) {
            long t1 = System.nanoTime();
            VisionStage.Found found = stage.lookup(s -> vision.featureKey(stage.modelId(), timed.frames(), timed.secondsPerStep(), opts.visionBatch(), s),
                    opts);
            sec.preprocess += (System.nanoTime() - t1) / 1e9;
            if (found.features() != null) return new VisionEncoding.Finished(found.features(), found.key(), true, decode, sec);
            key = found.key();
        }
        vision.towerStarts(timed.frames().size());
        pass = model.tower().pass(decoded.pixels().values(), decoded.pixels().gridThw());
        return null;
    }

    /** Stops the background decode (waiting for it: the sampler does not stop mid-video). */
    @Override
    public void close() {
        if (worker == null) return;
        Handoff.stop(worker);
        worker = null;
    }
}
