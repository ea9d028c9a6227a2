package dev.dycoke4j.tokenizer;

import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The Qwen2.5-VL chat template, expanded and tokenized by the project's BPE, against the reference prompt ids. */
class Qwen25VlChatTemplateTest {
    static final Path ROOT = Oracle.shared().resolve("oracle-qwen25vl");
    static final String QUESTION = "What happens in this video?";

    static Tokenizer tok() {
        return Tokenizer.load(ROOT.resolve("tiny-qwen25-vl/tokenizer.json"));
    }

    static int[] golden(String file, String name) {
        try (Safetensors s = Safetensors.open(ROOT.resolve("golden").resolve(file))) {
            return s.get(name).toIntArray();
        }
    }

    @Test
    void renderedAsTheTemplateWritesIt() {
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
                        + "<|vision_start|><|video_pad|><|vision_end|>What happens in this video?<|im_end|>\n<|im_start|>assistant\n",
                ChatTemplate.qwen25VlPrompt(List.of(new ChatTemplate.Message("user", true, List.of(QUESTION)))));
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                ChatTemplate.qwen25VlPrompt(List.of(new ChatTemplate.Message("system", false, List.of("Be brief.")), ChatTemplate.Message.user("Hi"))));
    }

    @Test
    void videoPromptIdsMatch() {
        Tokenizer tok = tok();
        assertArrayEquals(golden("forward.safetensors", "input_ids"), ChatTemplate.qwen25VlVideoPromptIds(tok, QUESTION, 192));
        assertArrayEquals(golden("evs.safetensors", "evs_input_ids"), ChatTemplate.qwen25VlVideoPromptIds(tok, QUESTION, 96));
        int[] full = ChatTemplate.qwen25VlVideoPromptIds(tok, QUESTION, 192), prefix = ChatTemplate.qwen25VlVideoPrefixIds(tok, 192);
        assertEquals(34 + 192 + 1, prefix.length, "up to and including <|vision_end|>");
        assertArrayEquals(prefix, Arrays.copyOf(full, prefix.length));
    }

    @Test
    void textOnlyPromptIdsMatch() {
        assertArrayEquals(golden("forward.safetensors", "text_input_ids"),
                ChatTemplate.qwen25VlPromptIds(tok(), List.of(ChatTemplate.Message.user(QUESTION)), 0));
    }

    @Test
    void aVideoPadInTheTextIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> ChatTemplate.qwen25VlVideoPromptIds(tok(), "what <|video_pad|>?", 4));
        assertEquals("the question must not contain the <|video_pad|> token", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ChatTemplate.qwen25VlPromptIds(tok(), List.of(ChatTemplate.Message.user("a <|video_pad|>")), 0));
        assertEquals("the text must not contain the <|video_pad|> token", e.getMessage());
    }
}
