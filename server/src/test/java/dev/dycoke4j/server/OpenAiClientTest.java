package dev.dycoke4j.server;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonField;
import com.openai.core.JsonMissing;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.models.Model;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.pipeline.Answer;
import dev.dycoke4j.pipeline.VideoQa;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The official OpenAI Java SDK as the client: whole and streamed answers equal the library's, the models list, usage and the dycoke block. */
class OpenAiClientTest {
    static final String Q = "What happens in this video?";
    static VideoQa qa, reference;
    static Fixture.Running server;
    static OpenAIClient client;

    @BeforeAll
    static void start() {
        qa = VideoQa.load(Fixture.MODEL);
        reference = VideoQa.load(Fixture.MODEL);
        server = Fixture.start(qa, Fixture.config());
        client = OpenAIOkHttpClient.builder().baseUrl(server.url("/v1")).apiKey("unused").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
        qa.close();
        reference.close();
    }

    /** A user message with the question and the video, as vLLM takes it (the SDK has no video part: a text part retyped). */
    @SuppressWarnings("unchecked") // JsonMissing is the SDK's "absent" for any field type
    static ChatCompletionCreateParams.Builder params(String question, String url, int maxTokens) {
        ChatCompletionContentPart video = ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder()
                .type(JsonValue.from("video_url")).text((JsonField<String>) (JsonField<?>) JsonMissing.of())
                .putAdditionalProperty("video_url", JsonValue.from(Map.of("url", url))).build());
        ChatCompletionContentPart text = ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder().text(question).build());
        return ChatCompletionCreateParams.builder().model(Fixture.NAME).maxCompletionTokens(maxTokens).temperature(0.0)
                .addUserMessageOfArrayOfContentParts(List.of(text, video));
    }

    @Test
    @SuppressWarnings("deprecation") // _additionalProperties: the only way the SDK gives the extension block
    void wholeAnswerEqualsTheLibrarys() {
        Answer want = Fixture.library(reference, Fixture.CLIP, 8, Q, 8, CompressionMethods.none());
        ChatCompletion c = client.chat().completions().create(params(Q, Fixture.fileUrl(Fixture.CLIP), 8).build());
        assertEquals(want.text(), c.choices().getFirst().message().content().orElseThrow());
        assertEquals(Fixture.NAME, c.model());
        assertEquals(want.stats().promptTokens(), c.usage().orElseThrow().promptTokens());
        assertEquals(want.tokenIds().length, c.usage().orElseThrow().completionTokens());
        var dycoke = Fixture.JSON.valueToTree(c._additionalProperties().get("dycoke").convert(Object.class));
        assertEquals(Fixture.ids(want.tokenIds()), dycoke.get("token_ids"));
        assertEquals(want.stats().visualKept(), dycoke.get("visual_tokens_kept").asInt());
        assertEquals("none", dycoke.get("method").asText());
    }

    @Test
    void streamedAnswerEqualsTheLibrarysWithUsageLast() {
        var comp = CompressionMethods.parse("dycoke", Map.of("dp_l", "2"));
        Answer want = Fixture.library(reference, Fixture.CLIP, 8, Q, 12, comp);
        ChatCompletionCreateParams p = params(Q, Fixture.fileUrl(Fixture.CLIP), 12)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                .putAdditionalBodyProperty("dycoke", JsonValue.from(Map.of("compress", "dycoke", "dp_l", 2))).build();
        StringBuilder text = new StringBuilder();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(p)) {
            s.stream().forEach(chunk -> {
                chunks.add(chunk);
                chunk.choices().forEach(ch -> ch.delta().content().ifPresent(text::append));
            });
        }
        assertEquals(want.text(), text.toString());
        ChatCompletionChunk last = chunks.getLast();
        assertTrue(last.choices().isEmpty(), "the usage chunk comes last, without choices");
        assertEquals(want.stats().promptTokens(), last.usage().orElseThrow().promptTokens());
        assertEquals(want.tokenIds().length, last.usage().orElseThrow().completionTokens());
        var finish = chunks.get(chunks.size() - 2).choices().getFirst().finishReason();
        assertTrue(finish.isPresent(), "the chunk before the usage ends the choice");
        for (ChatCompletionChunk c : chunks.subList(0, chunks.size() - 1)) assertFalse(c.usage().isPresent(), "usage only in the last chunk");
    }

    @Test
    void theSecondQuestionAboutAVideoSkipsVisionAndThePrefix() throws Exception {
        var r1 = Fixture.post(server.url("/v1/chat/completions"), Fixture.chat(Fixture.fileUrl(Fixture.CLIP), "Is there a ball?", 4,
                Map.of("dycoke", Map.of("frames", 6))).toString());
        var r2 = Fixture.post(server.url("/v1/chat/completions"), Fixture.chat(Fixture.fileUrl(Fixture.CLIP), "What colour is it?", 4,
                Map.of("dycoke", Map.of("frames", 6))).toString());
        assertEquals(200, r1.statusCode(), r1.body());
        assertEquals(200, r2.statusCode(), r2.body());
        var second = Fixture.json(r2).get("dycoke");
        assertTrue(second.get("vision_cached").asBoolean(), r2.body());
        assertTrue(second.get("prefix_cached_tokens").asInt() > 0, r2.body());
        Answer want = Fixture.library(reference, Fixture.CLIP, 6, "What colour is it?", 4, CompressionMethods.none());
        assertEquals(Fixture.ids(want.tokenIds()), second.get("token_ids"));
    }

    @Test
    @SuppressWarnings("deprecation") // seed: deprecated by OpenAI, still part of the API vLLM and this server take
    void sampledAnswersFollowTemperatureTopPAndSeed() {
        var gen = new dev.dycoke4j.pipeline.GenerationOptions(10, 0.9f, 0.8f, 7, false);
        Answer want = Fixture.library(reference, Fixture.CLIP, 8, Q, gen, CompressionMethods.none());
        ChatCompletion c = client.chat().completions().create(params(Q, Fixture.fileUrl(Fixture.CLIP), 10).temperature(0.9).topP(0.8).seed(7).build());
        assertEquals(want.text(), c.choices().getFirst().message().content().orElseThrow());
        Answer greedy = Fixture.library(reference, Fixture.CLIP, 8, Q, 10, CompressionMethods.none());
        assertFalse(java.util.Arrays.equals(greedy.tokenIds(), want.tokenIds()), "the sampled answer is not the greedy one");
    }

    @Test
    void modelsListsTheServedName() {
        List<Model> models = client.models().list().data();
        assertEquals(1, models.size());
        assertEquals(Fixture.NAME, models.getFirst().id());
    }
}
