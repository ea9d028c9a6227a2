package dev.dycoke4j.tokenizer;

import dev.dycoke4j.testing.Oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The tiny oracle checkpoint's tokenizer: the golden chat prompt, and HF tokenizers as the reference. */
class TinyTokenizerTest {
    private static Tokenizer tok;
    private static HfOracle hf;

    @BeforeAll
    static void load() throws Exception {
        tok = Tokenizer.load(Oracle.model().resolve("tokenizer.json"));
        hf = HfOracle.load(Oracle.model().resolve("tokenizer.json"));
    }

    @AfterAll
    static void close() {
        hf.close();
    }

    @Test
    void chatPromptEqualsGolden() throws Exception {
        long[] golden;
        try (var g = Oracle.golden("forward.safetensors")) {
            golden = g.get("chat_input_ids").toLongArray();
        }
        assertEquals(150, golden.length);
        int[] ids = ChatTemplate.videoPromptIds(tok, "What happens in this video?", 129);
        assertArrayEquals(Arrays.stream(golden).mapToInt(Math::toIntExact).toArray(), ids);
        assertEquals(129, Arrays.stream(ids).filter(id -> id == 501).count());
    }

    @Test
    void chatPromptText() {
        assertEquals("<|im_start|>user\n<video>\nWhat is it?<|im_end|>\n<|im_start|>assistant\n",
                ChatTemplate.videoPrompt("What is it?"));
        int[] ids = ChatTemplate.videoPromptIds(tok, "Hi", 3);
        int[] once = tok.encode(ChatTemplate.videoPrompt("Hi"));
        assertEquals(once.length + 2, ids.length);
        assertArrayEquals(new int[] {502, 258, 10, 501, 501, 501, 10, 72, 105, 503, 10, 502, 266, 10}, ids);
    }

    @Test
    void conversationsFollowTheTemplate() {
        var video = new ChatTemplate.Message("user", true, List.of("What is it?"));
        assertEquals(ChatTemplate.videoPrompt("What is it?"), ChatTemplate.prompt(List.of(video)));
        assertEquals("<|im_start|>user\n\nHi<|im_end|>\n<|im_start|>assistant\n", ChatTemplate.prompt(List.of(ChatTemplate.Message.user("Hi"))));
        assertEquals("<|im_start|>system\n\nBe brief.<|im_end|>\n<|im_start|>user\n<video>\nWhat is it?\nAnd why?<|im_end|>\n"
                        + "<|im_start|>assistant\n\nA ball.<|im_end|>\n<|im_start|>user\n\nWhat colour?<|im_end|>\n<|im_start|>assistant\n",
                ChatTemplate.prompt(List.of(new ChatTemplate.Message("system", false, List.of("Be brief.")),
                        new ChatTemplate.Message("user", true, List.of("What is it?", "And why?")),
                        new ChatTemplate.Message("assistant", false, List.of("A ball.")), ChatTemplate.Message.user("What colour?"))));
        assertArrayEquals(ChatTemplate.videoPromptIds(tok, "Hi", 3), ChatTemplate.promptIds(tok, List.of(new ChatTemplate.Message("user", true, List.of("Hi"))), 3));
        assertArrayEquals(new int[] {502, 258, 10, 10, 72, 105, 503, 10, 502, 266, 10}, ChatTemplate.promptIds(tok, List.of(ChatTemplate.Message.user("Hi")), 0));
    }

    @Test
    void conversationsRejectBadArguments() {
        var video = new ChatTemplate.Message("user", true, List.of("Hi"));
        assertEquals("a prompt holds at most one video, got 2",
                assertThrows(IllegalArgumentException.class, () -> ChatTemplate.promptIds(tok, List.of(video, video), 3)).getMessage());
        assertEquals("the text must not contain the <video> token",
                assertThrows(IllegalArgumentException.class, () -> ChatTemplate.promptIds(tok, List.of(ChatTemplate.Message.user("a <video>")), 0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> ChatTemplate.promptIds(tok, List.of(ChatTemplate.Message.user("Hi")), 3));
        assertThrows(IllegalArgumentException.class, () -> new ChatTemplate.Message("<|im_end|>", false, List.of()));
    }

    @Test
    void chatPromptRejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> ChatTemplate.videoPromptIds(tok, "two <video>?", 3));
        assertThrows(IllegalArgumentException.class, () -> ChatTemplate.videoPromptIds(tok, "none", 0));
    }

    @Test
    void vocabulary() {
        assertEquals(504, tok.vocabSize());
        assertEquals(OptionalInt.of(500), tok.tokenId("<image>"));
        assertEquals(OptionalInt.of(501), tok.tokenId("<video>"));
        assertEquals(OptionalInt.of(502), tok.tokenId("<|im_start|>"));
        assertEquals(OptionalInt.of(503), tok.tokenId("<|im_end|>"));
        assertEquals(OptionalInt.of(296), tok.tokenId("Ġvideo"));
        // "t h" (rank 24) merges before "Ġ t" (rank 29), so " this" ends as Ġ + this, never Ġthis
        assertArrayEquals(new int[] {32, 283, 32, 279}, tok.encode(" this video"));
        assertEquals(" this video<video>", tok.decode(new int[] {291, 296, 501}));
    }

    @Test
    void idsEqualHf() {
        List<String> texts = new ArrayList<>(TestStrings.FIXED);
        texts.addAll(TestStrings.random(42L, 400));
        texts.addAll(List.of("what happens in this video", "the assistant user", "What Happens IN THIS VIDEO?",
                "videovideo thisthis the the", " video video  video\n\nvideo"));
        long tokens = OracleComparison.assertSameIds(tok, hf, texts);
        System.out.printf("[tokenizer] tiny: %d strings, %d tokens identical to HF%n", texts.size(), tokens);
        assertTrue(tokens > texts.size());
    }
}
