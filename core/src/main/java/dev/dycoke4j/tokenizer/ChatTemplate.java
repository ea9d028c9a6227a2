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
 *
 * <p>The Qwen2.5-VL template ({@code qwen25Vl*}) shares the turns but differs inside them: a conversation that does
 * not start with a system turn gets {@code You are a helpful assistant.}; the video is
 * {@code <|vision_start|><|video_pad|><|vision_end|>} and the text parts follow it directly, without line breaks; the
 * processor expands the {@code <|video_pad|>}.
 */
public final class ChatTemplate {
    /** The added token that stands for the video. */
    public static final String VIDEO_TOKEN = "<video>";

    /** The token that stands for one video token in Qwen2.5-VL's prompt. */
    public static final String QWEN25VL_VIDEO_TOKEN = "<|video_pad|>";
    /** The system turn Qwen2.5-VL's template adds when a conversation has none. */
    public static final String QWEN25VL_DEFAULT_SYSTEM = "You are a helpful assistant.";

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
        return promptIds(tok, prompt(messages), messages, videoTokens, VIDEO_TOKEN);
    }

    private static int[] promptIds(Tokenizer tok, String text, List<Message> messages, int videoTokens, String videoToken) {
        long videos = messages.stream().filter(Message::video).count();
        if (videos > 1) throw new IllegalArgumentException("a prompt holds at most one video, got " + videos);
        int[] ids = tok.encode(text);
        if (videos == 1) return expand(tok, ids, videoTokens, videoToken);
        if (videoTokens != 0) throw new IllegalArgumentException("videoTokens must be 0 for a prompt without a video, got " + videoTokens);
        OptionalInt video = tok.tokenId(videoToken);
        if (video.isPresent())
            for (int id : ids)
                if (id == video.getAsInt()) throw new IllegalArgumentException("the text must not contain the " + videoToken + " token");
        return ids;
    }

    /** The Qwen2.5-VL prompt of a conversation, ready for the assistant's answer. */
    public static String qwen25VlPrompt(List<Message> messages) {
        StringBuilder b = new StringBuilder();
        if (messages.isEmpty() || !messages.getFirst().role().equals("system"))
            b.append("<|im_start|>system\n").append(QWEN25VL_DEFAULT_SYSTEM).append("<|im_end|>\n");
        for (Message m : messages) {
            b.append("<|im_start|>").append(m.role()).append('\n');
            if (m.video()) b.append("<|vision_start|>").append(QWEN25VL_VIDEO_TOKEN).append("<|vision_end|>");
            for (String t : m.texts()) b.append(t);
            b.append("<|im_end|>\n");
        }
        return b.append("<|im_start|>assistant\n").toString();
    }

    /**
     * The ids of {@link #qwen25VlPrompt} with {@code <|video_pad|>} repeated {@code videoTokens} times when a message
     * holds the video ({@code videoTokens} must then be 0 without one).
     *
     * @throws IllegalArgumentException as {@link #promptIds}
     */
    public static int[] qwen25VlPromptIds(Tokenizer tok, List<Message> messages, int videoTokens) {
        return promptIds(tok, qwen25VlPrompt(messages), messages, videoTokens, QWEN25VL_VIDEO_TOKEN);
    }

    /** One user turn holding the video and {@code question}, in the Qwen2.5-VL template, with the video expanded. */
    public static int[] qwen25VlVideoPromptIds(Tokenizer tok, String question, int videoTokens) {
        return qwen25VlPromptIds(tok, List.of(new Message("user", true, List.of(question))), videoTokens);
    }

    /**
     * The part of {@link #qwen25VlVideoPromptIds} before the question, up to and including {@code <|vision_end|>}:
     * the question-independent prefix of every Qwen2.5-VL prompt about one video (the question cannot merge with
     * {@code <|vision_end|>}, a special token).
     */
    public static int[] qwen25VlVideoPrefixIds(Tokenizer tok, int videoTokens) {
        return qwen25VlVideoPrefixIds(tok, null, videoTokens);
    }

    /** As {@link #qwen25VlVideoPrefixIds(Tokenizer, int)}, after the system turn {@code system} (null: the default one). */
    public static int[] qwen25VlVideoPrefixIds(Tokenizer tok, String system, int videoTokens) {
        String text = "<|im_start|>system\n" + (system == null ? QWEN25VL_DEFAULT_SYSTEM : system) + "<|im_end|>\n<|im_start|>user\n<|vision_start|>"
                + QWEN25VL_VIDEO_TOKEN + "<|vision_end|>";
        return expand(tok, tok.encode(text), videoTokens, QWEN25VL_VIDEO_TOKEN);
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
        return expand(tok, tok.encode(prefix(system)), videoTokens, VIDEO_TOKEN);
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
        return expand(tok, tok.encode(videoPrompt(system, question)), videoTokens, VIDEO_TOKEN);
    }

    /** {@code ids} with its one {@code videoToken} id repeated {@code videoTokens} times. */
    private static int[] expand(Tokenizer tok, int[] ids, int videoTokens, String videoToken) {
        OptionalInt video = tok.tokenId(videoToken);
        if (video.isEmpty()) {
            throw new IllegalArgumentException("the tokenizer has no " + videoToken + " token");
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
            throw new IllegalArgumentException("the question must not contain the " + videoToken + " token");
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
