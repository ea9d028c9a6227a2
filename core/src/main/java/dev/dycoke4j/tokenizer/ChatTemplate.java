package dev.dycoke4j.tokenizer;

import java.util.OptionalInt;

/**
 * The LLaVA-OneVision chat prompt for one user turn holding one video and a question, without a system prompt, as the
 * HF processor's chat template writes it; the processor then expands the single {@code <video>} token to one
 * {@code <video>} id per visual token.
 */
public final class ChatTemplate {
    /** The added token that stands for the video. */
    public static final String VIDEO_TOKEN = "<video>";

    private ChatTemplate() {}

    /** {@code <|im_start|>user\n<video>\n{question}<|im_end|>\n<|im_start|>assistant\n}. */
    public static String videoPrompt(String question) {
        return videoPrompt(null, question);
    }

    /**
     * As {@link #videoPrompt(String)}, after a system turn {@code <|im_start|>system\n{system}<|im_end|>\n} when
     * {@code system} is not null (LLaVA's {@code qwen_1_5} conversation, which lmms-eval's {@code llava_onevision} uses,
     * has one).
     */
    public static String videoPrompt(String system, String question) {
        return prefix(system) + question + "<|im_end|>\n<|im_start|>assistant\n";
    }

    private static String prefix(String system) {
        return (system == null ? "" : "<|im_start|>system\n" + system + "<|im_end|>\n") + "<|im_start|>user\n" + VIDEO_TOKEN + "\n";
    }

    /**
     * The part of {@link #videoPrompt} before the question, {@code <|im_start|>user\n<video>\n}, as ids with the
     * video token repeated {@code videoTokens} times: the question-independent prefix of every prompt about one video
     * (a prompt starts with these ids unless its question starts with a line break, which merges with the last one).
     */
    public static int[] videoPrefixIds(Tokenizer tok, int videoTokens) {
        return videoPrefixIds(tok, null, videoTokens);
    }

    /** As {@link #videoPrefixIds(Tokenizer, int)}, with the system turn of {@link #videoPrompt(String, String)}. */
    public static int[] videoPrefixIds(Tokenizer tok, String system, int videoTokens) {
        return expand(tok, tok.encode(prefix(system)), videoTokens);
    }

    /**
     * The ids of {@link #videoPrompt} with its {@code <video>} id repeated {@code videoTokens} times.
     *
     * @throws IllegalArgumentException if the tokenizer has no {@code <video>} token, if {@code videoTokens < 1}, or if
     *     the question itself holds a {@code <video>} token (the prompt must have exactly one video)
     */
    public static int[] videoPromptIds(Tokenizer tok, String question, int videoTokens) {
        return videoPromptIds(tok, null, question, videoTokens);
    }

    /** As {@link #videoPromptIds(Tokenizer, String, int)}, with the system turn of {@link #videoPrompt(String, String)}. */
    public static int[] videoPromptIds(Tokenizer tok, String system, String question, int videoTokens) {
        return expand(tok, tok.encode(videoPrompt(system, question)), videoTokens);
    }

    /** {@code ids} with its one {@code <video>} id repeated {@code videoTokens} times. */
    private static int[] expand(Tokenizer tok, int[] ids, int videoTokens) {
        OptionalInt video = tok.tokenId(VIDEO_TOKEN);
        if (video.isEmpty()) {
            throw new IllegalArgumentException("the tokenizer has no " + VIDEO_TOKEN + " token");
        }
        if (videoTokens < 1) {
            throw new IllegalArgumentException("videoTokens must be at least 1, got " + videoTokens);
        }
        int videoId = video.getAsInt();
        int found = 0;
        for (int id : ids) {
            found += id == videoId ? 1 : 0;
        }
        if (found != 1) {
            throw new IllegalArgumentException("the question must not contain the " + VIDEO_TOKEN + " token");
        }
        IntArrayBuilder out = new IntArrayBuilder(ids.length + videoTokens);
        for (int id : ids) {
            if (id == videoId) {
                for (int k = 0; k < videoTokens; k++) {
                    out.add(videoId);
                }
            } else {
                out.add(id);
            }
        }
        return out.toArray();
    }
}
