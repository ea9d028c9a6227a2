package dev.dycoke4j.eval.run;

import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.tokenizer.ChatTemplate;
import dev.dycoke4j.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The prompt a run sends: lmms-eval's llava_onevision chat with LLaVA's qwen_1_5 conversation, as DyCoke ran it. */
class LlavaOneVisionPromptTest {
    @Test
    void theSystemTurnComesFirstAndTheVideoStartsAtDyCokesIndex() {
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<video>\nWhich planet?<|im_end|>\n<|im_start|>assistant\n",
                ChatTemplate.videoPrompt(EvalRunner.SYSTEM, "Which planet?"));
        // DyCoke's image_token_start_index (14) is where the video starts after that system turn, in Qwen2's tokens
        Tokenizer qwen = Tokenizer.load(Oracle.qwenTokenizer());
        String before = ChatTemplate.videoPrompt(EvalRunner.SYSTEM, "q");
        assertEquals(14, qwen.encode(before.substring(0, before.indexOf(ChatTemplate.VIDEO_TOKEN))).length);
    }

    @Test
    void thePrefixWithTheSystemTurnStartsEveryPrompt() {
        Tokenizer tok = Tokenizer.load(Oracle.model().resolve("tokenizer.json"));
        int[] prefix = ChatTemplate.videoPrefixIds(tok, EvalRunner.SYSTEM, 5);
        int[] prompt = ChatTemplate.videoPromptIds(tok, EvalRunner.SYSTEM, "Which planet?", 5);
        assertArrayEquals(prefix, Arrays.copyOf(prompt, prefix.length));
        assertArrayEquals(ChatTemplate.videoPromptIds(tok, "Which planet?", 5), ChatTemplate.videoPromptIds(tok, null, "Which planet?", 5));
    }
}
