package dev.dycoke4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.pipeline.Answer;
import dev.dycoke4j.pipeline.CompressedVideo;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VisionOptions;
import dev.dycoke4j.tokenizer.ChatTemplate;
import dev.dycoke4j.video.VideoFileSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Conversations: a text-only request is the library's text-only answer (through the OpenAI SDK and raw HTTP), a
 * conversation of several turns about a video is the library's answer to those messages, and what the template can't
 * take is a 400 naming the field.
 */
class ConversationsTest {
    static VideoQa qa, reference;
    static Fixture.Running server;

    @BeforeAll
    static void start() {
        qa = VideoQa.load(Fixture.MODEL);
        reference = VideoQa.load(Fixture.MODEL);
        server = Fixture.start(qa, Fixture.config());
    }

    @AfterAll
    static void stop() {
        server.close();
        qa.close();
        reference.close();
    }

    static JsonNode post(String body, int status) throws Exception {
        var r = Fixture.post(server.url("/v1/chat/completions"), body);
        assertEquals(status, r.statusCode(), r.body());
        return Fixture.json(r);
    }

    @Test
    void aTextOnlyRequestIsTheLibrarysTextOnlyAnswer() throws Exception {
        var messages = List.of(new ChatTemplate.Message("system", false, List.of("Be brief.")), ChatTemplate.Message.user("What is a ball?"));
        Answer want = reference.answerStage().startText(messages, GenerationOptions.greedy(8), null).complete();

        JsonNode got = post("""
                {"model": "%s", "max_tokens": 8, "messages": [{"role": "system", "content": "Be brief."},
                 {"role": "user", "content": [{"type": "text", "text": "What is a ball?"}]}]}""".formatted(Fixture.NAME), 200);
        assertEquals(Fixture.ids(want.tokenIds()), got.get("dycoke").get("token_ids"));
        assertEquals(want.text(), got.get("choices").get(0).get("message").get("content").asText());
        assertEquals(want.stats().promptTokens(), got.get("usage").get("prompt_tokens").asInt());

        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(server.url("/v1")).apiKey("unused").maxRetries(0).build();
        try {
            ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model(Fixture.NAME).maxCompletionTokens(8)
                    .addSystemMessage("Be brief.").addUserMessage("What is a ball?").build());
            assertEquals(want.text(), c.choices().getFirst().message().content().orElseThrow());
        } finally {
            client.close();
        }
        assertTrue(server.log().stream().anyMatch(l -> l.contains("| frames 0 |")), server.log().toString());
    }

    /** vLLM's ignore_eos: the answer runs to max_tokens past the stop tokens, as the library's with ignoreStop. */
    @Test
    void ignoreEosRunsToMaxTokens() throws Exception {
        var messages = List.of(ChatTemplate.Message.user("Say one word."));
        Answer want = reference.answerStage().startText(messages, new GenerationOptions(40, 0f, 1f, 0, true), null).complete();
        JsonNode got = post("""
                {"model": "%s", "max_tokens": 40, "ignore_eos": true, "messages": [{"role": "user", "content": "Say one word."}]}"""
                .formatted(Fixture.NAME), 200);
        assertEquals(40, got.get("usage").get("completion_tokens").asInt());
        assertEquals(Fixture.ids(want.tokenIds()), got.get("dycoke").get("token_ids"));
        JsonNode bad = post("""
                {"model": "%s", "ignore_eos": "yes", "messages": [{"role": "user", "content": "Hi"}]}""".formatted(Fixture.NAME), 400);
        assertEquals("ignore_eos", bad.get("error").get("param").asText());
    }

    @Test
    void aConversationAboutAVideoIsTheLibrarysAnswerToItsMessages() throws Exception {
        String url = Fixture.fileUrl(Fixture.CLIP);
        JsonNode got = post("""
                {"model": "%s", "max_tokens": 6, "messages": [
                 {"role": "developer", "content": "Answer in English."},
                 {"role": "user", "content": [{"type": "video_url", "video_url": {"url": "%s"}}, {"type": "text", "text": "What happens?"}]},
                 {"role": "assistant", "content": "A ball rolls."},
                 {"role": "user", "content": "And then?"}]}""".formatted(Fixture.NAME, url), 200);
        CompressedVideo v = reference.compressStage().apply(reference.visionStage().encode(new VideoFileSource(Fixture.CLIP),
                new VisionOptions(8, VisionOptions.DEFAULT_BATCH)), CompressionMethods.none());
        var messages = List.of(new ChatTemplate.Message("system", false, List.of("Answer in English.")),
                new ChatTemplate.Message("user", true, List.of("What happens?")), new ChatTemplate.Message("assistant", false, List.of("A ball rolls.")),
                ChatTemplate.Message.user("And then?"));
        Answer want = reference.answerStage().start(v, messages, GenerationOptions.greedy(6), null).complete();
        assertEquals(Fixture.ids(want.tokenIds()), got.get("dycoke").get("token_ids"));
        assertEquals(want.stats().promptTokens(), got.get("usage").get("prompt_tokens").asInt());
    }

    @Test
    void whatTheTemplateCantTakeIsA400NamingTheField() throws Exception {
        String url = Fixture.fileUrl(Fixture.CLIP);
        String video = "{\"type\": \"video_url\", \"video_url\": {\"url\": \"" + url + "\"}}";
        Map<String, String> cases = Map.of(
                "[{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hello\"}]", "messages[1].role",
                "[{\"role\": \"assistant\", \"content\": [" + video + "]}, {\"role\": \"user\", \"content\": \"Hi\"}]", "messages[0].content[0]",
                "[{\"role\": \"user\", \"content\": [" + video + "]}, {\"role\": \"user\", \"content\": [" + video + ", {\"type\": \"text\", \"text\": \"Hi\"}]}]",
                "messages[1].content[0]",
                "[{\"role\": \"user\", \"content\": []}]", "messages[0].content",
                "[{\"role\": \"user\", \"content\": [" + video + "]}]", "messages[0].content",
                "[{\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"id\": \"x\"}]}, {\"role\": \"user\", \"content\": \"Hi\"}]",
                "messages[0].tool_calls");
        for (var c : cases.entrySet()) {
            JsonNode e = post("{\"model\": \"" + Fixture.NAME + "\", \"messages\": " + c.getKey() + "}", 400).get("error");
            assertEquals(c.getValue(), e.get("param").asText(), c.getKey() + ": " + e);
        }
    }
}
