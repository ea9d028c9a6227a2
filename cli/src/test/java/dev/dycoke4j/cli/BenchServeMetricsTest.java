package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The arithmetic of {@code bench serve}'s rates on synthetic timings: the aggregate decode rate is the concurrency
 * over the mean time per output token (first to last token over the tokens after the first, per answer), not tokens
 * over the level's wall time, which is the separate output rate; the decode targets are ratios of the decode rates.
 */
class BenchServeMetricsTest {
    static final double EPS = 1e-12;

    /** A request sent at {@code sent} seconds whose tokens arrive one by one at {@code at} seconds. */
    static ServeLoad.Timing timing(double sent, double... at) {
        List<ServeLoad.Arrival> arrivals = new ArrayList<>();
        for (int i = 0; i < at.length; i++) arrivals.add(new ServeLoad.Arrival(nanos(at[i]), i + 1));
        return new ServeLoad.Timing(nanos(sent), arrivals, at.length, null);
    }

    static long nanos(double seconds) {
        return Math.round(seconds * 1e9);
    }

    @Test
    void theDecodeRateIsTheConcurrencyOverTheMeanTimePerOutputToken() {
        // two clients: A decodes 2 tokens after its first in 1 s (0.5 s each), B 4 in 1 s (0.25 s each) after waiting
        // 2 s for its first: together they decode 2 / 0.375 tokens/s; 8 tokens in the level's 3 s is the output rate
        ServeLoad.Timing a = timing(0, 1.0, 1.5, 2.0), b = timing(0, 2.0, 2.25, 2.5, 2.75, 3.0);
        ServeLoad.Timing one = timing(0.5, 1.2); // a single token: no time per output token
        ServeLoad.Timing failed = new ServeLoad.Timing(0, List.of(), -1, "HTTP 500: boom");
        ObjectNode l = BenchServeCommand.level("text", 2, List.of(a, b, one, failed));
        assertEquals(3, l.get("completed").asInt());
        assertEquals(0.375, l.get("tpot_mean_s").asDouble(), EPS);
        assertEquals(2 / 0.375, l.get("decode_tokens_per_s").asDouble(), 1e-9);
        assertEquals(9 / 3.0, l.get("output_tokens_per_s").asDouble(), 1e-9);
        assertEquals(9, l.get("completion_tokens").asInt());
    }

    @Test
    void aLevelWithOnlySingleTokenAnswersHasNoDecodeRate() {
        ObjectNode l = BenchServeCommand.level("text", 1, List.of(timing(0, 0.5)));
        assertFalse(l.has("decode_tokens_per_s"), l.toString());
        assertEquals(2.0, l.get("output_tokens_per_s").asDouble(), EPS);
    }

    @Test
    void theDecodeTargetsAreRatiosOfTheDecodeRates() {
        ObjectNode root = new ObjectMapper().createObjectNode();
        var levels = root.putArray("levels");
        // one stream at 0.1 s per token: 10 tokens/s; four at 0.15 s per token: 26.7 tokens/s, 2.67x, though their
        // wall-time output rate is lower than one stream's (they wait in turn for their first tokens)
        levels.add(BenchServeCommand.level("text", 1, List.of(timing(0, 1.0, 1.1, 1.2))));
        List<ServeLoad.Timing> four = new ArrayList<>();
        for (int i = 0; i < 4; i++) four.add(timing(0, 1.0 + 3 * i, 1.15 + 3 * i, 1.30 + 3 * i));
        levels.add(BenchServeCommand.level("text", 4, four));
        assertEquals(10, levels.get(0).get("decode_tokens_per_s").asDouble(), 1e-6);
        assertEquals(4 / 0.15, levels.get(1).get("decode_tokens_per_s").asDouble(), 1e-6);
        assertEquals(12 / 10.3, levels.get(1).get("output_tokens_per_s").asDouble(), 1e-6);
        assertEquals(3 / 1.2, levels.get(0).get("output_tokens_per_s").asDouble(), 1e-6);
        JsonNode target = BenchServeCommand.targets(root).get(0);
        assertEquals("aggregate decode tokens/s, 4 text streams over 1", target.get("target").asText());
        assertEquals(4 / 0.15 / 10, target.get("measured").asDouble(), 1e-6);
        assertEquals(true, target.get("met").asBoolean());
    }
}
