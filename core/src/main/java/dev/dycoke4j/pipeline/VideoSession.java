package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethod;

import java.util.function.Consumer;

/**
 * Questions about one video, each answered independently (no conversation history): the video was decoded, encoded
 * and compressed once by {@link VideoQa#open}, and every question reuses the KV entries of the prompt's
 * question-independent prefix (template and video) from the {@link VideoQa#prefixCache}, so that a follow-up only
 * prefills its own question. The first question fills that cache from its full prefill, so its answer is exactly the
 * one-shot {@link VideoQa#ask}'s. DyCoke's DP state is fresh for every question. FastV prunes at prefill by the last
 * token's attention, which depends on the question, so with FastV every question prefills in full. Not thread-safe.
 */
public final class VideoSession {
    private final VideoQa qa;
    private final EncodedVideo video;
    private final CompressionMethod comp;
    private int asked;

    VideoSession(VideoQa qa, EncodedVideo video, CompressionMethod comp) {
        this.qa = qa;
        this.video = video;
        this.comp = comp;
    }

    /** Answers {@code question}, streaming the text to {@code out} (may be null). The vision batch of {@code opts} is unused. */
    public Answer ask(String question, GenerationOptions opts, Consumer<String> out) {
        Answer a = qa.generate(video, question, null, opts, comp, out, null, true, asked == 0);
        asked++;
        return a;
    }

    /** Frames encoded. */
    public int frames() {
        return video.frames();
    }

    /** Visual tokens in the prompt (after the pre-LLM stage), without the newline. */
    public int visualTokens() {
        return video.kept().count();
    }

    /** Whether the vision features came from the cache when the session opened. */
    public boolean visionCached() {
        return video.visionCached();
    }

    /**
     * What opening the session cost: decode, preprocess, vision, projector and pooling, compression (no LLM stages),
     * and how much of that ran at the same time ({@link Stats.Seconds#overlapped}).
     */
    public Stats.Seconds videoSeconds() {
        return new Stats.Seconds(video.decode(), video.preprocess(), video.vision(), video.projectPool(), video.compress(), 0, 0, video.overlapped());
    }

    /** The encoded video (features, kept tokens, seconds). */
    EncodedVideo encoded() {
        return video;
    }

    public CompressionMethod compression() {
        return comp;
    }
}
