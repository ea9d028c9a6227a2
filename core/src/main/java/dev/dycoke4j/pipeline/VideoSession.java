package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethod;

import java.util.function.Consumer;

/**
 * Questions about one video, each answered independently (no conversation history): the video was decoded, encoded
 * and compressed once by {@link VideoQa#open}, and every question reuses the KV entries of the prompt's
 * question-independent prefix (template and video) from the {@link VideoQa#prefixCache}, so that a follow-up only
 * prefills its own question. The first question fills that cache from its full prefill, so its answer is exactly the
 * one-shot {@link VideoQa#ask}'s. DyCoke's DP state is fresh for every question. FastV prunes at prefill by the last
 * token's attention, which depends on the question, so with FastV every question prefills in full. The first answer
 * reports the video side's cost; the follow-ups report it as cached. Not thread-safe.
 */
public final class VideoSession {
    private final AnswerStage answers;
    private final CompressedVideo video;
    private int asked;

    VideoSession(AnswerStage answers, CompressedVideo video) {
        this.answers = answers;
        this.video = video;
    }

    /** Answers {@code question}, streaming the text to {@code out} (may be null). */
    public Answer ask(String question, GenerationOptions opts, Consumer<String> out) {
        Answer a = answers.start(asked == 0 ? video : video.paid(), question, null, opts, out, null).complete();
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
        return video.videoSeconds();
    }

    /** The compressed video the questions are about (features, kept tokens, seconds). */
    public CompressedVideo video() {
        return video;
    }

    public CompressionMethod compression() {
        return video.compression();
    }
}
