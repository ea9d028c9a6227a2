package dev.dycoke4j.tokenizer;

import java.util.List;
import java.util.OptionalInt;

/**
 * The LLaVA-OneVision chat prompt as the HF processor's chat template writes it: each message is
 * {@code <|im_start|>ROLE\n}, then {@code <video>} when it holds the video, then {@code \n} and the text of each text
 * part, then {@code <|im_end|>\n}; the prompt ends with {@code <|im_start|>assistant\n}. The processor then expands
 * the single {@code <video>} token to one {@code <video>} id per visual token. The usual prompt is one user turn
 * holding one video and a question, without a system prompt; a message without the video starts its text with the
 * line break the template puts before every text part.
 */
public final class ChatTemplate {
    /** The added token that stands for the video. */
    public static final String VIDEO_TOKEN = "<video>";

    private ChatTemplate() {}

    /**
     * One message of a conversation.
     *
     * @param role  {@code system}, {@code user} or {@code assistant}
     * @param video whether the message holds the video (where the template puts {@code <video>})
     * @param texts its text parts, in order
     */
    public record Message(String role, boolean video, List<String> texts) {
        public Message {
            if (role == null || role.isEmpty() || role.contains("<|") || role.contains("\n"))
                throw new IllegalArgumentException("a message role must be a plain word, got '" + role + "'");
            texts = List.copyOf(texts);
        }

        /** A user message holding one text part. */
        public static Message user(String text) {
            return new Message("user", false, List.of(text));
        }
    }

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

    /** The prompt of a conversation, ready for the assistant's answer. */
    public static String prompt(List<Message> messages) {
        StringBuilder b = new StringBuilder();
        for (Message m : messages) {
            b.append("<|im_start|>").append(m.role()).append('\n');
            if (m.video()) b.append(VIDEO_TOKEN);
            for (String t : m.texts()) b.append('\n').append(t);
            b.append("<|im_end|>\n");
        }
        return b.append("<|im_start|>assistant\n").toString();
    }

    /**
     * The ids of {@link #prompt} with the {@code <video>} id repeated {@code videoTokens} times when a message holds the
     * video ({@code videoTokens} must then be 0 without one).
     *
     * @throws IllegalArgumentException if more than one message holds a video, if {@code videoTokens} does not fit,
     *     or if a text holds the {@code <video>} token
     */
    public static int[] promptIds(Tokenizer tok, List<Message> messages, int videoTokens) {
        long videos = messages.stream().filter(Message::video).count();
        if (videos > 1) throw new IllegalArgumentException("a prompt holds at most one video, got " + videos);
        int[] ids = tok.encode(prompt(messages));
        if (videos == 1) return expand(tok, ids, videoTokens);
        if (videoTokens != 0) throw new IllegalArgumentException("videoTokens must be 0 for a prompt without a video, got " + videoTokens);
        OptionalInt video = tok.tokenId(VIDEO_TOKEN);
        if (video.isPresent())
            for (int id : ids)
                if (id == video.getAsInt()) throw new IllegalArgumentException("the text must not contain the " + VIDEO_TOKEN + " token");
        return ids;
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
