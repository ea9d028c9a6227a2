package dev.dycoke4j.cli;

import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.pipeline.GenerationOptions;
import dev.dycoke4j.pipeline.VideoQa;
import dev.dycoke4j.pipeline.VisionOptions;
import dev.dycoke4j.server.Defaults;
import dev.dycoke4j.server.MediaPolicy;
import dev.dycoke4j.server.Server;
import dev.dycoke4j.server.ServerConfig;
import dev.dycoke4j.testing.Oracle;
import dev.dycoke4j.tokenizer.ChatTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The load client counts and times tokens, by the usage each chunk carries, not pieces of text: on the oracle model an
 * answer whose first token completes no text has its first token timed at that token, a chunk for each token, and a
 * gap between each two.
 */
@Timeout(120)
class ServeLoadTest {
    /** On the oracle model, the greedy answer to this question starts with a token that completes no character. */
    static final String Q = "Tell me everything.";

    @Test
    void tokensAreTimedEvenThoseThatCompleteNoText() throws Exception {
        int tokens = 16;
        try (VideoQa qa = VideoQa.load(Oracle.model())) {
            GenerationOptions g = GenerationOptions.greedy(tokens);
            int[] ids = qa.answerStage().startText(List.of(new ChatTemplate.Message("user", false, List.of(Q))),
                    new GenerationOptions(tokens, g.temperature(), g.topP(), g.seed(), true), null).complete().tokenIds();
            assertTrue(qa.tokenizer().streamDecoder().push(ids[0]).isEmpty(), "the first token completes no text");
            ServerConfig config = new ServerConfig("127.0.0.1", 0, "tiny", null, MediaPolicy.none(), 8, 16, 4, 256,
                    new Defaults(GenerationOptions.greedy(tokens), VisionOptions.of(8), CompressionMethods.none()));
            try (Server server = Server.start(qa, config, line -> {
            })) {
                ServeLoad client = new ServeLoad(server.address(), "tiny");
                ServeLoad.Timing t = client.send(client.body(Q, null, tokens, 0), null);
                assertTrue(t.ok(), t.toString());
                assertEquals(tokens, t.tokens());
                assertEquals(tokens, t.counted(), "the chunks' running counts reach the usage total");
                assertEquals(tokens, t.arrivals().size(), "a chunk per token");
                assertEquals(1, t.arrivals().getFirst().tokens(), "the first token is timed though it has no text");
                assertTrue(t.ttft() > 0);
                List<Double> gaps = t.gaps();
                assertEquals(tokens - 1, gaps.size());
                assertTrue(Collections.min(gaps) >= 0, gaps.toString());

                List<ServeLoad.Timing> level = client.run(Collections.nCopies(4, client.body(Q, null, 5, 0)), 2);
                for (ServeLoad.Timing x : level) {
                    assertTrue(x.ok(), x.toString());
                    assertEquals(5, x.counted());
                    assertEquals(4, x.gaps().size());
                }
            }
        }
    }
}
