package dev.dycoke4j.pipeline;

import dev.dycoke4j.cache.CacheKey;
import dev.dycoke4j.io.Qwen25VlVisionConfig;
import dev.dycoke4j.vision.QwenPixels;
import dev.dycoke4j.vision.QwenVideoPreprocessor;
import dev.dycoke4j.vision.QwenVisionTower;
import dev.dycoke4j.vision.RgbFrame;
import dev.dycoke4j.vision.SiglipPoolingHead;

import java.util.Arrays;
import java.util.List;

/**
 * Qwen2.5-VL's vision side: frames sampled by Qwen's sampler with their timing ({@link VideoSource#decodeTimed}),
 * {@link QwenVideoPreprocessor} (smart resize, temporal patches of two frames), and {@link QwenVisionTower} on the
 * whole video, in pieces ({@link QwenEncoding}) or back to back. Its features are the merger's output, one frame of tokens per temporal
 * step of h' x w' tokens (not square), with the step's seconds ({@link VisionFeatures.TemporalGrid}), which the
 * M-RoPE positions scale: the cache keys hold them. There is no saliency and no pooling head (the methods that need
 * them are refused by {@link Qwen25Vl#checkMethod}).
 */
final class QwenVision implements FamilyVision {
    private final Qwen25Vl model;
    private VideoQa.Progress progress = VideoQa.Progress.NONE;
    private long visionFrames;

    QwenVision(Qwen25Vl model) {
        this.model = model;
    }

    /** Frames given without a source: their RGB, the seconds per step, and the preprocessing. */
    @Override
    public String featureKey(String modelId, List<RgbFrame> frames, double secondsPerStep, int batch, boolean saliency) {
        CacheKey k = base(modelId, saliency).text("seconds-per-step", Double.toString(secondsPerStep)).number("frames", frames.size());
        for (RgbFrame f : frames) k.ints("dims", new int[]{f.width(), f.height()}).bytes("rgb", f.rgb());
        return k.hex();
    }

    /** A video known by its timed content key (file content, frames asked for, the sampling rule), which fixes the timing too. */
    String contentKey(String modelId, String content, boolean saliency) {
        return base(modelId, saliency).text("video", content).hex();
    }

    private CacheKey base(String modelId, boolean saliency) {
        Qwen25VlVisionConfig.Video v = model.preprocessor().config();
        return CacheKey.of("qwen-vision-features").text("model", modelId)
                .text("resize", v.minPixels() + "," + v.maxPixels() + "," + v.resample() + "," + v.patchSize() + "," + v.temporalPatchSize()
                        + "," + v.mergeSize())
                .text("steps", v.doRescale() + "," + Double.toString(v.rescaleFactor()) + "," + v.doNormalize() + "," + Arrays.toString(v.mean())
                        + "," + Arrays.toString(v.std()))
                .number("saliency", saliency ? 1 : 0);
    }

    @Override
    public VideoSource.Timed sample(VideoSource video, int frames) {
        return video.decodeTimed(frames, model.temporalPatch());
    }

    /** In units of work ({@link QwenEncoding}): the lookup, the frames decoded in the background, then the tower in pieces. */
    @Override
    public VisionEncoding start(VisionStage stage, VideoSource video, VisionOptions opts) {
        return new VisionEncoding(stage, new QwenEncoding(this, model, stage, video, opts));
    }

    /** With a trace: {@code pixel_values_videos} and {@code video_embeds}, as transformers names them. */
    @Override
    public VisionFeatures encode(List<RgbFrame> frames, double secondsPerStep, VisionOptions opts, VisionEncoder.Seconds sec, Trace trace) {
        long t0 = System.nanoTime();
        QwenPixels px = model.preprocessor().pixels(frames);
        long t1 = System.nanoTime();
        sec.preprocess += (t1 - t0) / 1e9;
        QwenVisionTower tower = model.tower();
        towerStarts(frames.size());
        float[] video = tower.encode(px.values(), px.gridThw());
        towerDone(frames.size());
        sec.vision += (System.nanoTime() - t1) / 1e9;
        VisionFeatures features = features(px, video, secondsPerStep);
        if (trace != null) {
            trace.floats("pixel_values_videos", px.values(), px.patches(), px.values().length / px.patches());
            trace.floats("video_embeds", video, (long) features.frames() * features.tokensPerFrame(), features.dim());
        }
        return features;
    }

    /** The features of {@code video}, the tower's output for pixels {@code px} whose temporal steps span {@code secondsPerStep}. */
    VisionFeatures features(QwenPixels px, float[] video, double secondsPerStep) {
        var c = model.tower().config();
        int merge = c.spatialMergeSize(), w = px.gridW() / merge, tokensPerStep = (px.gridH() / merge) * w;
        return new VisionFeatures(px.gridT(), tokensPerStep, c.outHiddenSize(), video, null, null,
                new VisionFeatures.TemporalGrid(w, c.temporalPatchSize(), secondsPerStep));
    }

    /** {@code frames} frames start through the tower. */
    void towerStarts(int frames) {
        progress.update("vision", 0, frames);
    }

    /** {@code frames} frames went through the tower. */
    void towerDone(int frames) {
        visionFrames += frames;
        progress.update("vision", frames, frames);
    }

    @Override
    public VisionFeatures encodePixels(float[] pixels, VisionOptions opts, Trace trace, VisionEncoder.Seconds sec) {
        throw new IllegalArgumentException("Qwen2.5-VL takes frames, not pixel values: its preprocessing sizes each video's patch grid from the frames");
    }

    @Override
    public void progress(VideoQa.Progress p) {
        progress = p == null ? VideoQa.Progress.NONE : p;
    }

    /** Qwen2.5-VL's tower has no pooling head: the methods that need one are refused before they get here. */
    @Override
    public void poolingHead(SiglipPoolingHead head) {
    }

    @Override
    public SiglipPoolingHead poolingHead() {
        return null;
    }

    @Override
    public long visionFrames() {
        return visionFrames;
    }
}
