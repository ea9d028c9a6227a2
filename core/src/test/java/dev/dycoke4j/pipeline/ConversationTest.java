package dev.dycoke4j.pipeline;

import dev.dycoke4j.llm.Generator;
import dev.dycoke4j.llm.Sampler;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.tokenizer.ChatTemplate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AnswerStage} on conversations, on the oracle model: a text-only one is the language model alone on the
 * template's ids; one user turn about the video is the usual question; a longer conversation about the video is its
 * template's ids, through the prefix cache as a question is.
 */
@Timeout(120)
class ConversationTest {
    static VideoQa qa;

    @BeforeAll
    static void load() {
        qa = VideoQa.load(Oracle.model());
    }

    @AfterAll
    static void close() {
        qa.close();
    }

    @Test
    void aTextOnlyConversationIsTheLanguageModelOnTheTemplatesIds() {
        var messages = List.of(new ChatTemplate.Message("system", false, List.of("Be brief.")), ChatTemplate.Message.user("What is a ball?"));
        int[] ids = ChatTemplate.promptIds(qa.tokenizer(), messages, 0);
        var model = qa.model();
        int[] want = Generator.run(model.decoder(), model.newCache(ids.length + 10), model.inputsEmbeds(ids, null), ids.length, Sampler.greedy(), 10,
                qa.answerStage().stopIds(), false, null).tokens();
        StringBuilder streamed = new StringBuilder();
        Sequence s = qa.answerStage().startText(messages, GenerationOptions.greedy(10), streamed::append);
        assertArrayEquals(ids, s.prompt());
        Answer a = s.complete();
        assertArrayEquals(want, a.tokenIds());
        assertEquals(a.text(), streamed.toString());
        assertEquals(0, a.stats().frames());
        assertEquals(0, a.stats().visualTokens());
        assertEquals(ids.length, a.stats().promptTokens());
        assertFalse(a.stats().visionCached());
        assertThrows(IllegalArgumentException.class,
                () -> qa.answerStage().startText(List.of(new ChatTemplate.Message("user", true, List.of("Hi"))), GenerationOptions.greedy(2), null));
    }

    @Test
    void aConversationOpeningWithASystemMessageLeavesTheVideosPrefixToTheQuestions() {
        qa.clearCaches();
        CompressedVideo v = qa.compressStage().apply(qa.visionStage().encode(new FakeVideo("system", FollowUpTest.clip(8, 12)), new VisionOptions(8, 3)),
                FollowUpTest.method("none"));
        var conversation = List.of(new ChatTemplate.Message("system", false, List.of("Be brief.")),
                new ChatTemplate.Message("user", true, List.of("What happens?")));
        assertEquals(0, qa.answerStage().start(v, conversation, GenerationOptions.greedy(2), null).complete().stats().prefixCachedTokens());
        assertEquals(0, qa.answerStage().start(v, conversation, GenerationOptions.greedy(2), null).complete().stats().prefixCachedTokens(),
                "no prefix of its own: it shares only <|im_start|> with the video's turn");
        qa.answerStage().start(v, "What happens?", GenerationOptions.greedy(2)).complete();
        int reused = qa.answerStage().start(v, "Why?", GenerationOptions.greedy(2)).complete().stats().prefixCachedTokens();
        assertTrue(reused > v.videoPositions(), "a question reuses the video's whole turn: " + reused);
    }

    @Test
    void aConversationAboutTheVideoIsItsTemplatesIdsThroughThePrefixCache() {
        qa.clearCaches();
        CompressedVideo v = qa.compressStage().apply(qa.visionStage().encode(new FakeVideo("conv", FollowUpTest.clip(8, 11)), new VisionOptions(8, 3)),
                FollowUpTest.method("dycoke"));
        String q = "What happens in this video?";
        Answer one = qa.answerStage().start(v, q, GenerationOptions.greedy(8)).complete();
        Answer same = qa.answerStage().start(v, List.of(new ChatTemplate.Message("user", true, List.of(q))), GenerationOptions.greedy(8), null).complete();
        assertArrayEquals(one.tokenIds(), same.tokenIds());
        assertTrue(same.stats().prefixCachedTokens() > 0, "the question's prefix came from the cache");

        var conversation = List.of(new ChatTemplate.Message("user", true, List.of(q)), new ChatTemplate.Message("assistant", false, List.of(one.text())),
                ChatTemplate.Message.user("And then?"));
        int[] ids = ChatTemplate.promptIds(qa.tokenizer(), conversation, v.videoPositions());
        Answer want = qa.answerStage().start(v, null, ids, GenerationOptions.greedy(8), null, null).complete(); // given ids: no cache
        Sequence s = qa.answerStage().start(v, conversation, GenerationOptions.greedy(8), null);
        assertArrayEquals(ids, s.prompt());
        Answer got = s.complete();
        assertArrayEquals(want.tokenIds(), got.tokenIds());
        assertTrue(got.stats().prefixCachedTokens() > 0, "the conversation's prefix came from the cache");
        assertThrows(IllegalArgumentException.class, () -> qa.answerStage().start(v, List.of(ChatTemplate.Message.user("Hi")), GenerationOptions.greedy(2), null));
    }
}
