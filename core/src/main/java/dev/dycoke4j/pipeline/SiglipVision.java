package dev.dycoke4j.pipeline;

import dev.dycoke4j.vision.FrameSink;
import dev.dycoke4j.vision.Preprocessor;
import dev.dycoke4j.vision.RgbFrame;
import dev.dycoke4j.vision.SiglipPoolingHead;

import java.util.List;

/**
 * LLaVA-OneVision's vision side: each frame resized to the SigLIP tower's square, the tower, projector and pooling in
 * batches of frames ({@link VisionEncoder}), preprocessing on another thread, and a video streamed to the tower as it
 * decodes ({@link VisionEncoding}). A frame's features depend on its RGB alone.
 */
final class SiglipVision implements FamilyVision {
    private final LlavaOneVision model;
    private final Preprocessor preprocessor;
    private final VisionEncoder encoder;

    SiglipVision(LlavaOneVision model, Preprocessor preprocessor) {
        this.model = model;
        this.preprocessor = preprocessor;
        this.encoder = new VisionEncoder(model, preprocessor);
    }

    Preprocessor preprocessor() {
        return preprocessor;
    }

    /** Frames are uniformly sampled stills: their timing does not change the features. */
    @Override
    public String featureKey(String modelId, List<RgbFrame> frames, double secondsPerStep, int batch, boolean saliency) {
        return FeatureKeys.featureKey(modelId, preprocessor.config(), frames, batch, saliency);
    }

    /** Uniformly sampled stills, their timing the default (it changes nothing here). */
    @Override
    public VideoSource.Timed sample(VideoSource video, int frames) {
        return new VideoSource.Timed(video.decode(frames, FrameSink.NONE), VisionStage.DEFAULT_SECONDS_PER_STEP);
    }

    @Override
    public VisionEncoding start(VisionStage stage, VideoSource video, VisionOptions opts) {
        return new VisionEncoding(stage, encoder, video, opts);
    }

    /** With a trace, which gets every stage's tensors, the frames are preprocessed first and then encoded. */
    @Override
    public VisionFeatures encode(List<RgbFrame> frames, double secondsPerStep, VisionOptions opts, VisionEncoder.Seconds sec, Trace trace) {
        if (trace == null) return encoder.encodeFrames(frames, opts.visionBatch(), opts, sec);
        long t0 = System.nanoTime();
        float[] pixels = preprocessor.pixels(frames);
        sec.preprocess += (System.nanoTime() - t0) / 1e9;
        return encodePixels(pixels, opts.withFrames(frames.size()), trace, sec);
    }

    @Override
    public VisionFeatures encodePixels(float[] pixels, VisionOptions opts, Trace trace, VisionEncoder.Seconds sec) {
        checkPixels(pixels, opts.frames());
        int img = model.config().vision().imageSize();
        if (trace != null) trace.floats("pixel_values", pixels, 1, opts.frames(), 3, img, img);
        return encoder.encodePixels(pixels, opts.frames(), opts.visionBatch(), opts, trace, sec);
    }

    /** Checks that {@code pixels} are {@code frames} frames {@code [3, H, W]} at the vision tower's image size, no more, no less. */
    private void checkPixels(float[] pixels, int frames) {
        int img = model.config().vision().imageSize();
        long want = (long) frames * 3 * img * img;
        if (pixels == null || pixels.length != want)
            throw new IllegalArgumentException("pixel values hold " + (pixels == null ? "nothing (null)" : pixels.length + " floats")
                    + ", not the " + want + " of " + frames + " frame" + (frames == 1 ? "" : "s") + " [3, " + img + ", " + img + "]");
    }

    @Override
    public void progress(VideoQa.Progress p) {
        encoder.progress = p == null ? VideoQa.Progress.NONE : p;
    }

    @Override
    public void poolingHead(SiglipPoolingHead head) {
        encoder.head = head;
    }

    @Override
    public SiglipPoolingHead poolingHead() {
        return encoder.head;
    }

    @Override
    public long visionFrames() {
        return encoder.visionFrames;
    }
}
