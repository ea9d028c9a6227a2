package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.VisualTokens;

/**
 * What {@link VisionStage} gives for a video: its pooled features (with the saliency when asked), and what computing
 * them cost. Question- and method-independent: one encode serves any number of compressions and questions.
 *
 * @param featureKey  the vision-feature cache key, or null when the features did not go through the cache
 * @param cached      whether the features came from the cache (no vision tower ran)
 * @param decode      seconds decoding the video (or hashing it, or the caller's decode time), as {@link Stats.Seconds#decodeVideo}
 * @param preprocess  seconds of the cache lookup and preprocessing, as {@link Stats.Seconds#preprocess}
 * @param vision      seconds in the vision tower, as {@link Stats.Seconds#vision}
 * @param projectPool seconds in the projector and pooling
 * @param overlapped  seconds of those stages that ran at the same time as another, as {@link Stats.Seconds#overlapped}
 */
public record EncodedVideo(VisionFeatures features, String featureKey, boolean cached, double decode, double preprocess,
                           double vision, double projectPool, double overlapped) {
    /** The video frames encoded (for a family that groups frames in temporal steps, the steps times their frames). */
    public int frames() {
        return features.videoFrames();
    }

    /** The pooled tokens, the input of a pre-LLM method. */
    public VisualTokens tokens() {
        return VisualTokens.pooled(features.pooled(), features.frames(), features.tokensPerFrame(), features.dim(), features.saliency());
    }

    /** The wall time of the encode: the stages' sum less their overlap. */
    public double seconds() {
        return decode + preprocess + vision + projectPool - overlapped;
    }
}
