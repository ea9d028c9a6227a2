package dev.dycoke4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The arithmetic of {@code bench serve}'s rates on synthetic timings: the aggregate decode rate is the concurrency
 * over the mean time per output token (first to last token over the tokens after the first, per answer), not tokens
 * over the level's wall time, which is the separate output rate; the steady-state rate counts the tokens inside the
 * window where all streams decode; the decode targets are ratios of the steady-state rates when a run has them, else
 * of the levels' decode rates.
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

    @Test
    void theSteadyStateRateCountsTheTokensInTheWindowWhereAllStreamsDecode() {
        // A's tokens at 1..5 s, B's at 2.5..6.5 s: all decode from 2.5 s (B's first) to 5 s (A's last); inside it A
        // brings tokens 3, 4, 5 and B tokens 2 and 3: 5 tokens in 2.5 s
        ServeLoad.Timing a = timing(0, 1, 2, 3, 4, 5), b = timing(0.1, 2.5, 3.5, 4.5, 5.5, 6.5);
        ObjectNode s = BenchServeCommand.steady(2, 5, List.of(a, b));
        assertEquals(2, s.get("completed").asInt());
        assertEquals(10, s.get("completion_tokens").asInt());
        assertEquals(2.5, s.get("all_decoding_after_s").asDouble(), 1e-9);
        assertEquals(2.5, s.get("window_s").asDouble(), 1e-9);
        assertEquals(5, s.get("window_tokens").asInt());
        assertEquals(2.0, s.get("window_tokens_per_s").asDouble(), 1e-9);
    }

    @Test
    void streamsThatNeverDecodeTogetherOrAFailedOneHaveNoWindow() {
        ServeLoad.Timing a = timing(0, 1, 2), b = timing(0, 3, 4);
        assertFalse(BenchServeCommand.steady(2, 2, List.of(a, b)).has("window_tokens_per_s"));
        ObjectNode failed = BenchServeCommand.steady(2, 2, List.of(a, new ServeLoad.Timing(0, List.of(), -1, "HTTP 500: boom")));
        assertEquals(1, failed.get("completed").asInt());
        assertFalse(failed.has("window_tokens_per_s"), failed.toString());
    }

    @Test
    void theDecodeTargetsUseTheSteadyStateWindowsWhenTheRunHasThem() {
        ObjectNode root = new ObjectMapper().createObjectNode();
        var levels = root.putArray("levels");
        levels.add(BenchServeCommand.level("text", 1, List.of(timing(0, 1.0, 1.1, 1.2))));
        List<ServeLoad.Timing> four = new ArrayList<>();
        for (int i = 0; i < 4; i++) four.add(timing(0, 1.0 + 3 * i, 1.15 + 3 * i, 1.30 + 3 * i));
        levels.add(BenchServeCommand.level("text", 4, four));
        var steady = root.putArray("steady");
        // one stream: 10 tokens/s; four streams, each a token every 0.2 s from 1 s to 3 s: 20 tokens/s in the window
        steady.add(BenchServeCommand.steady(1, 11, List.of(timing(0, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 2.0))));
        List<ServeLoad.Timing> together = new ArrayList<>();
        for (int i = 0; i < 4; i++) together.add(timing(0, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.2, 2.4, 2.6, 2.8, 3.0));
        steady.add(BenchServeCommand.steady(4, 11, together));
        assertEquals(10, steady.get(0).get("window_tokens_per_s").asDouble(), 1e-6);
        assertEquals(20, steady.get(1).get("window_tokens_per_s").asDouble(), 1e-6);
        JsonNode targets = BenchServeCommand.targets(root);
        assertEquals("aggregate decode tokens/s, 4 text streams over 1, all decoding (steady-state window)", targets.get(0).get("target").asText());
        assertEquals(2.0, targets.get(0).get("measured").asDouble(), 1e-6);
        assertEquals(false, targets.get(0).get("met").asBoolean(), "the levels' 2.67x (concurrency over TPOT) is not what is judged");
        assertEquals("aggregate decode tokens/s, 8 text streams over 1", targets.get(1).get("target").asText());
        assertTrue(targets.get(1).get("measured").isNull(), targets.get(1).toString());
    }

    @Test
    void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(0.4, BenchServeCommand.median(List.of(0.9, 0.4, 0.2)), EPS);
        assertEquals(0.45, BenchServeCommand.median(List.of(0.9, 0.4, 0.2, 0.5)), 1e-12);
    }
}
