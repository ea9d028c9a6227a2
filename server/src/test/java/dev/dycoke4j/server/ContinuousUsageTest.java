package dev.dycoke4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.tokenizer.ChatTemplate;
import dev.dycoke4j.tokenizer.StreamDecoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stream sends a chunk per token, as vLLM does, even for a token that completes no text (a piece of a character's
 * bytes: its chunk's content is empty); with vLLM's {@code stream_options.continuous_usage_stats} every chunk carries
 * the running usage, whose completion tokens rise by one per token chunk up to the answer's total.
 */
@Timeout(120)
class ContinuousUsageTest {
    /** On the oracle model, the greedy answer to this question starts with a token that completes no character. */
    static final String Q = "Tell me everything.";
    static final int TOKENS = 16;
    static VideoQa qa;
    static Fixture.Running server;
    /** The library's text of each token, and what its stream decoder still held at the end. */
    static List<String> pieces;
    static String rest;
    static int promptTokens;

    @BeforeAll
    static void start() {
        qa = VideoQa.load(Fixture.MODEL);
        GenerationOptions g = GenerationOptions.greedy(TOKENS);
        var s = qa.answerStage().startText(List.of(new ChatTemplate.Message("user", false, List.of(Q))),
                new GenerationOptions(TOKENS, g.temperature(), g.topP(), g.seed(), true), null);
        int[] ids = s.complete().tokenIds();
        promptTokens = s.prompt().length;
        StreamDecoder sd = qa.tokenizer().streamDecoder();
        pieces = new ArrayList<>();
        for (int id : ids) pieces.add(sd.push(id));
        rest = sd.flush();
        assertEquals(TOKENS, pieces.size());
        assertTrue(pieces.getFirst().isEmpty(), "the answer's first token completes no text: " + pieces);
        server = Fixture.start(qa, Fixture.config());
    }

    @AfterAll
    static void stop() {
        server.close();
        qa.close();
    }

    static List<JsonNode> stream(Map<String, Object> extra) throws Exception {
        ObjectNode body = Fixture.JSON.createObjectNode().put("model", Fixture.NAME).put("max_tokens", TOKENS).put("ignore_eos", true).put("stream", true);
        body.putArray("messages").addObject().put("role", "user").put("content", Q);
        for (var e : extra.entrySet()) body.set(e.getKey(), Fixture.JSON.valueToTree(e.getValue()));
        var r = Fixture.post(server.url("/v1/chat/completions"), body.toString());
        assertEquals(200, r.statusCode(), r.body());
        List<String> data = r.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
        assertEquals("[DONE]", data.getLast());
        List<JsonNode> chunks = new ArrayList<>();
        for (String d : data.subList(0, data.size() - 1)) chunks.add(Fixture.JSON.readTree(d));
        return chunks;
    }

    static String content(JsonNode chunk) {
        return chunk.get("choices").get(0).get("delta").get("content").asText();
    }

    @Test
    void everyChunkCarriesTheRunningUsageAndEveryTokenHasItsChunkEvenWithoutText() throws Exception {
        List<JsonNode> chunks = stream(Map.of("stream_options", Map.of("continuous_usage_stats", true)));
        JsonNode role = chunks.getFirst();
        assertEquals("assistant", role.get("choices").get(0).get("delta").get("role").asText());
        assertEquals(0, role.get("usage").get("completion_tokens").asInt(), role.toString());
        int previous = 0, tokenChunks = 0;
        StringBuilder text = new StringBuilder();
        for (JsonNode c : chunks.subList(1, chunks.size() - 2)) {
            JsonNode u = c.get("usage");
            assertEquals(promptTokens, u.get("prompt_tokens").asInt(), c.toString());
            int n = u.get("completion_tokens").asInt();
            assertEquals(promptTokens + n, u.get("total_tokens").asInt(), c.toString());
            assertTrue(n == previous + 1 || n == previous && n == TOKENS, "one token per chunk (the decoder's last text after the last): " + c);
            if (n > previous) {
                tokenChunks++;
                assertEquals(pieces.get(n - 1), content(c), "token " + n + "'s text: " + c);
            } else {
                assertEquals(rest, content(c), "what the decoder held back: " + c);
            }
            text.append(content(c));
            previous = n;
        }
        assertEquals(TOKENS, tokenChunks, "a chunk for every token");
        assertTrue(content(chunks.get(1)).isEmpty(), "the first token's chunk is sent without text");
        JsonNode finish = chunks.get(chunks.size() - 2);
        assertEquals("length", finish.get("choices").get(0).get("finish_reason").asText());
        assertEquals(TOKENS, finish.get("usage").get("completion_tokens").asInt(), finish.toString());
        JsonNode usage = chunks.getLast();
        assertTrue(usage.get("choices").isEmpty(), usage.toString());
        assertEquals(TOKENS, usage.get("usage").get("completion_tokens").asInt(), "the running count ends at the usage total: " + usage);
        assertEquals(String.join("", pieces) + rest, text.toString());
    }

    @Test
    void aDefaultStreamAlsoSendsAChunkPerTokenAsVllmDoesWithoutUsage() throws Exception {
        List<JsonNode> chunks = stream(Map.of());
        for (JsonNode c : chunks) assertFalse(c.has("usage"), c.toString());
        int expected = TOKENS + (rest.isEmpty() ? 0 : 1);
        assertEquals(1 + expected + 1, chunks.size(), "the role, a chunk per token (and the decoder's last text), the finish: " + chunks);
        for (int i = 0; i < TOKENS; i++) assertEquals(pieces.get(i), content(chunks.get(1 + i)), "token " + (i + 1));
    }

    @Test
    void continuousUsageWithIncludeUsageOffSendsNoUsageAsVllm() throws Exception {
        List<JsonNode> chunks = stream(Map.of("stream_options", Map.of("include_usage", false, "continuous_usage_stats", true)));
        for (JsonNode c : chunks) assertFalse(c.has("usage"), c.toString());
        assertFalse(chunks.getLast().get("choices").isEmpty(), "no usage chunk");
    }
}
