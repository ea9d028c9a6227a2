package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link AnswerStage#step(List)} runs the sequences' decode tokens through the model as one batch: eight sequences
 * about different videos and questions, with different methods (DyCoke with DP on full and compact stores, FastV,
 * PruMerge+, none) and token limits, stepped together, and three of them, and one, each get the tokens they get alone
 * and logits within float rounding of theirs; on F32 and BF16 KV caches, with F32, BF16 and int8 weights.
 *
 * <p>Why not bit for bit: from 4 rows on, F32 and BF16 weights go through the register-tiled GEMM, which sums each
 * dot product in another order than the matvec a sequence alone runs (one accumulator per output along k, against
 * two vector accumulators reduced at the end), so every projection's last bits move; int8 weights keep the matvec's
 * per-row sums up to 8 rows, but even the same code gives other last bits once the JIT has compiled the Vector API's
 * {@code reduceLanes} and {@code exp} (see {@link BatchIndependenceTest}). Measured through the oracle's 3 layers:
 * at most 1.3e-6 of a row's largest logit on F32 caches, hence {@value #TOL}. A BF16 cache rounds each key and value
 * to 8 bits of mantissa, and an element that sits near a rounding boundary may round the other way when its float
 * moves by an ulp: one element then moves by 2^-8 of itself, and the logits by up to 6.2e-5 (measured), hence
 * {@value #TOL_BF16_CACHE}. A token that differs would still fail: greedy tokens are compared exactly.
 */
@Timeout(300)
class BatchedDecodeTest {
    /** Relative to a logit row's largest magnitude: float rounding, on an F32 KV cache. */
    static final double TOL = 1e-5;
    /** The same on a BF16 KV cache, where a rounding flip of one key or value moves the logits more. */
    static final double TOL_BF16_CACHE = 2e-4;
    static final int F = 8;
    static final String[] QUESTIONS = {"What happens in this video?", "What colour is the square?",
            "Where does the square go?", "Describe the clip in one word."};

    /** One request: its clip (by seed), frames, method, question and token limit. */
    record Case(int clip, int frames, String method, Map<String, String> options, int question, int maxTokens) {
    }

    static final List<Case> CASES = List.of(
            new Case(1, F, "none", Map.of(), 0, 12),
            new Case(2, F, "dycoke", Map.of(), 1, 9),
            new Case(3, F, "dycoke", Map.of("dp_store", "compact", "dp_store_dtype", "int8"), 2, 14),
            new Case(1, F, "fastv", Map.of(), 1, 6),
            new Case(5, 4, "dycoke", Map.of("dp_store", "compact", "dp_store_dtype", "bf16"), 0, 11),
            new Case(6, 4, "none", Map.of(), 3, 3),
            new Case(7, F, "prumerge", Map.of(), 0, 16),
            new Case(2, F, "dycoke", Map.of(), 0, 1));

    static CompressionMethod method(Case c) {
        Map<String, String> o = new HashMap<>(c.options);
        List<String> keys = CompressionMethods.spec(c.method).keys();
        if (keys.contains("dp_l")) o.put("dp_l", "2"); // the oracle has 3 layers
        if (keys.contains("fastv_k")) o.put("fastv_k", "1");
        return CompressionMethods.parse(c.method, o);
    }

    /** What one sequence did: the logits of each step (the prefill's first) and its tokens. */
    record Run(List<float[]> logits, int[] tokens) {
    }

    static List<CompressedVideo> videos(VideoQa qa) {
        List<CompressedVideo> out = new ArrayList<>();
        for (Case c : CASES) {
            EncodedVideo v = qa.visionStage().encode(FollowUpTest.clip(c.frames, c.clip), 0, new VisionOptions(c.frames, 3, true));
            out.add(qa.compressStage().apply(v, method(c)));
        }
        return out;
    }

    static Sequence start(VideoQa qa, CompressedVideo v, Case c) {
        Sequence s = qa.answerStage().start(v, QUESTIONS[c.question], GenerationOptions.greedy(c.maxTokens));
        s.prefill(Integer.MAX_VALUE);
        return s;
    }

    /** Each case alone, stepped one token at a time. */
    static List<Run> alone(VideoQa qa, List<CompressedVideo> videos) {
        List<Run> runs = new ArrayList<>();
        for (int i = 0; i < CASES.size(); i++) {
            Sequence s = start(qa, videos.get(i), CASES.get(i));
            List<float[]> logits = new ArrayList<>();
            while (!s.done()) {
                logits.add(s.logits());
                s.step();
            }
            runs.add(new Run(logits, s.tokens()));
        }
        return runs;
    }

    /** The cases {@code which} stepped together until all are done; also checks that those done drop out. */
    static List<Run> together(VideoQa qa, List<CompressedVideo> videos, int[] which) {
        List<Sequence> seqs = new ArrayList<>();
        List<List<float[]>> logits = new ArrayList<>();
        for (int i : which) {
            seqs.add(start(qa, videos.get(i), CASES.get(i)));
            logits.add(new ArrayList<>());
        }
        while (!seqs.stream().allMatch(Sequence::done)) {
            for (int b = 0; b < seqs.size(); b++) if (!seqs.get(b).done()) logits.get(b).add(seqs.get(b).logits());
            qa.answerStage().step(seqs);
        }
        List<Run> runs = new ArrayList<>();
        for (int b = 0; b < seqs.size(); b++) {
            Sequence s = seqs.get(b);
            // a finished sequence ran no further step: its cache holds the prompt and every token but the last
            assertEquals(s.prompt().length + s.tokens().length - 1, s.cache().length(), "case " + which[b] + ": positions cached");
            runs.add(new Run(logits.get(b), s.tokens()));
        }
        return runs;
    }

    /** max |got - want| over a logit row, as a fraction of the row's largest |want|. */
    static double relError(float[] want, float[] got) {
        double scale = 0, err = 0;
        for (int i = 0; i < want.length; i++) {
            scale = Math.max(scale, Math.abs(want[i]));
            err = Math.max(err, Math.abs(want[i] - got[i]));
        }
        return err / scale;
    }

    /** Every case's batched run against its solo run: the same tokens, and logits within tol (0: bit for bit). */
    static double compare(List<Run> solo, List<Run> batched, int[] which, double tol, String what) {
        double worst = 0;
        for (int b = 0; b < which.length; b++) {
            Run want = solo.get(which[b]), got = batched.get(b);
            String name = what + ", case " + which[b] + " (" + CASES.get(which[b]).method + ")";
            assertArrayEquals(want.tokens, got.tokens, name + ": tokens");
            assertEquals(want.logits.size(), got.logits.size(), name + ": steps");
            for (int t = 0; t < want.logits.size(); t++) {
                double e = relError(want.logits.get(t), got.logits.get(t));
                if (!(e <= tol)) fail(name + ", step " + t + ": logits " + e + " off, relative, above " + tol);
                worst = Math.max(worst, e);
            }
        }
        return worst;
    }

    static void check(Path model, LoadOptions opts, double tol) {
        try (VideoQa qa = VideoQa.load(model, opts)) {
            List<CompressedVideo> videos = videos(qa);
            List<Run> solo = alone(qa, videos);
            String what = model.getFileName() + ", weights " + opts.weights() + ", kv " + opts.kvCache();
            assertTrue(solo.stream().mapToInt(r -> r.tokens.length).distinct().count() > 3, what + ": the answers' lengths differ");
            int[] all = {0, 1, 2, 3, 4, 5, 6, 7}, three = {1, 4, 6}, one = {2};
            double w8 = compare(solo, together(qa, videos, all), all, tol, what + ", batch of 8");
            double w3 = compare(solo, together(qa, videos, three), three, tol, what + ", batch of 3");
            double w1 = compare(solo, together(qa, videos, one), one, tol, what + ", batch of 1");
            System.out.println(what + ": largest relative logit error " + w8 + " (8), " + w3 + " (3), " + w1 + " (1)");
        }
    }

    @Test
    void eightSequencesSteppedTogetherGetTheirSoloTokensOnF32WeightsAndCache() {
        check(Oracle.model(), LoadOptions.asStored(), TOL);
    }

    @Test
    void eightSequencesSteppedTogetherGetTheirSoloTokensOnABf16Cache() {
        check(Oracle.model(), LoadOptions.asStored().withKvCache(KvCache.Precision.BF16), TOL_BF16_CACHE);
    }

    @Test
    void eightSequencesSteppedTogetherGetTheirSoloTokensOnBf16Weights() {
        check(Oracle.modelBf16(), LoadOptions.asStored(), TOL);
    }

    @Test
    void eightSequencesSteppedTogetherGetTheirSoloTokensWithInt8Weights() {
        check(Oracle.modelBf16(), LoadOptions.q8(), TOL);
    }

    @Test
    void eightSequencesSteppedTogetherGetTheirSoloTokensWithInt8WeightsOnABf16Cache() {
        check(Oracle.model(), LoadOptions.q8().withKvCache(KvCache.Precision.BF16), TOL_BF16_CACHE);
    }
}
