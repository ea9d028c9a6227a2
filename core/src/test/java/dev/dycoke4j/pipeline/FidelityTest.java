package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.CompressionMethods;
import dev.dycoke4j.compress.DecodePruning;
import dev.dycoke4j.compress.DyCokeMethod;
import dev.dycoke4j.compress.DynamicPruningOptions;
import dev.dycoke4j.compress.PrefillPruning;
import dev.dycoke4j.compress.RandomMethod;
import dev.dycoke4j.compress.RequestShape;
import dev.dycoke4j.compress.TokenBudget;
import dev.dycoke4j.compress.DynamicPruning;
import dev.dycoke4j.compress.VisualTokens;
import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.llm.Qwen2Decoder;
import dev.dycoke4j.compress.Ttm;
import dev.dycoke4j.compress.UnreachableBudgetException;
import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Teacher-forced fidelity on the tiny oracle checkpoint. */
class FidelityTest {
    static VideoQa qa;
    static Fidelity fid;
    static int[] golden;

    @BeforeAll
    static void load() {
        qa = VideoQa.load(Oracle.model());
        try (Safetensors g = Oracle.golden("forward.safetensors")) {
            fid = Fidelity.ofPixels(qa, g.get("pixel_values_videos").toFloatArray(), new VisionOptions(8, 3), "What happens in this video?", 12);
            golden = g.get("chat_generated_ids").toIntArray();
        }
    }

    @AfterAll
    static void close() {
        qa.close();
    }

    @Test
    void theReferenceIsNonesGreedyGeneration() {
        assertArrayEquals(golden, fid.reference());
    }

    @Test
    void noneAgreesWithItself() {
        // the same computation twice; not bit for bit, since the JIT can compile a vector reduction between the two
        // runs and sum in another order (run alone, this test saw a KL of 7.5e-14)
        Fidelity.Result r = fid.measure(CompressionMethods.none());
        assertEquals(1.0, r.agreement());
        assertTrue(r.meanKl() >= 0 && r.meanKl() < 1e-9, "KL " + r.meanKl());
        assertTrue(r.maxKl() >= 0 && r.maxKl() < 1e-9, "KL " + r.maxKl());
        assertEquals(128, r.visualKept());
    }

    @Test
    void dycokeThatKeepsEverythingMatchesNone() {
        var comp = new DyCokeMethod(0, Ttm.Windows.OFFICIAL, Ttm.Order.RASTER, Double.NaN,
                DynamicPruningOptions.defaults().withLayer(2).withP(0).withMode(DynamicPruning.Mode.ALWAYS));
        Fidelity.Result r = fid.measure(comp);
        assertEquals(1.0, r.agreement());
        assertTrue(r.maxKl() < 1e-6, "KL " + r.maxKl());
    }

    @Test
    void pruningMovesTheDistributions() {
        Fidelity.Result r = fid.measure(new RandomMethod(TokenBudget.ratio(0.25), 0));
        assertEquals(32, r.visualKept());
        assertTrue(r.meanKl() > 1e-4 && Double.isFinite(r.meanKl()), "KL " + r.meanKl());
        assertTrue(r.maxKl() >= r.meanKl());
        assertTrue(r.agreement() >= 0 && r.agreement() <= 1);
        assertEquals(12, r.steps());
    }

    @Test
    void dycokeDpAttendsToFewerTokensThanItKeeps() {
        Fidelity.Result r = fid.measure(DyCokeMethod.defaults().withDpLayer(2).withRatio(0.5));
        assertTrue(r.visualKept() <= 64);
        assertTrue(r.visualAttended() < r.visualKept(), r.visualAttended() + " of " + r.visualKept());
    }

    @Test
    void anUnreachableDycokeBudgetSaysSo() {
        var e = assertThrows(UnreachableBudgetException.class, () -> fid.measure(DyCokeMethod.defaults().withDpLayer(2).withRatio(0.25)));
        assertTrue(e.getMessage().contains("at least 48 tokens"), e.getMessage());
    }

    /**
     * The figures of a teacher-forced loop written directly on the decoder (the method's pre-LLM compressor, its DP or
     * FastV hooks, one prefill, then one forward per reference token), as Fidelity computed them before it ran on the
     * stages: the same features, so the same agreement, attended tokens and KL (up to the JIT's last bits).
     */
    @Test
    void theStagesGiveTheFiguresOfADirectTeacherForcedLoop() {
        EncodedVideo video;
        try (Safetensors g = Oracle.golden("forward.safetensors")) {
            video = qa.visionStage().encode(g.get("pixel_values_videos").toFloatArray(), new VisionOptions(8, 3, true), null);
        }
        String q = "What happens in this video?";
        int steps = 10;
        Fidelity staged = Fidelity.of(qa, video, q, steps);
        double[][] refLogProbs = new double[steps][];
        int[] ref = direct(video, CompressionMethods.none(), q, steps, null, refLogProbs, new double[1]);
        assertArrayEquals(ref, staged.reference());
        for (CompressionMethod comp : new CompressionMethod[]{CompressionMethods.none(), DyCokeMethod.defaults().withDpLayer(2).withRatio(0.5),
                FollowUpTest.method("fastv"), new RandomMethod(TokenBudget.ratio(0.25), 0), FollowUpTest.method("prumerge")}) {
            double[][] logProbs = new double[steps][];
            double[] attended = new double[1];
            direct(video, comp, q, steps, ref, logProbs, attended);
            int agree = 0;
            double sum = 0, max = 0;
            for (int s = 0; s < steps; s++) {
                if (Fidelity.argmax(logProbs[s]) == ref[s]) agree++;
                double d = Fidelity.kl(refLogProbs[s], logProbs[s]);
                sum += d;
                max = Math.max(max, d);
            }
            Fidelity.Result r = staged.measure(comp);
            String what = comp.name();
            assertEquals((double) agree / steps, r.agreement(), what);
            assertEquals(attended[0], r.visualAttended(), 0.0, what);
            assertEquals(sum / steps, r.meanKl(), 1e-9 + 1e-6 * sum / steps, what);
            assertEquals(max, r.maxKl(), 1e-9 + 1e-6 * max, what);
            assertEquals(steps, r.steps());
        }
    }

    /**
     * Teacher forcing on the decoder directly: the reference's greedy tokens when {@code forced} is null (returned),
     * each step's log-probabilities into {@code logProbs}, and the visual tokens attended into {@code attended[0]}.
     */
    static int[] direct(EncodedVideo video, CompressionMethod comp, String question, int steps, int[] forced, double[][] logProbs, double[] attended) {
        LlavaOneVision model = qa.model();
        VisualTokens kept = comp.preLlm().compress(video.tokens());
        int[] prompt = qa.answerStage().promptIds(question, kept.count() + 1);
        int start = 0;
        while (prompt[start] != model.config().videoTokenId()) start++;
        RequestShape shape = new RequestShape(model.config().text().numLayers(), start, kept.count(), video.frames(), model.tokensPerFrame(), steps);
        DecodePruning dp = comp.decode(shape);
        PrefillPruning fastv = comp.prefill(shape);
        KvCache cache = model.newCache(prompt.length + steps);
        Qwen2Decoder dec = model.decoder();
        int vocab = model.config().text().vocabSize();
        float[] logits = dec.forward(model.inputsEmbeds(prompt, model.withNewline(kept.features(), kept.count())), prompt.length, cache, 1, null, fastv);
        int[] tokens = new int[steps];
        for (int s = 0; s < steps; s++) {
            logProbs[s] = Fidelity.logSoftmax(logits, logits.length - vocab, vocab);
            tokens[s] = forced != null ? forced[s] : Fidelity.argmax(logProbs[s]);
            if (s + 1 < steps) logits = dec.forward(dec.embed(new int[]{tokens[s]}), 1, cache, 1, dp);
        }
        attended[0] = dp != null ? dp.attendedMean() : fastv != null ? fastv.kept() : kept.count();
        return tokens;
    }

    @Test
    void klAndLogSoftmax() {
        double[] p = Fidelity.logSoftmax(new float[]{0, 0}, 0, 2), q = Fidelity.logSoftmax(new float[]{0, (float) Math.log(3)}, 0, 2);
        assertEquals(Math.log(0.5), p[0], 1e-12);
        assertEquals(0.0, Fidelity.kl(p, p));
        // KL((1/2,1/2) ‖ (1/4,3/4)) = 1/2·ln 2 + 1/2·ln(2/3)
        assertEquals(0.5 * Math.log(2) + 0.5 * Math.log(2.0 / 3), Fidelity.kl(p, q), 1e-7); // log 3 is rounded to float in the logits
        assertEquals(1, Fidelity.argmax(new double[]{-1, 0, 0}));
    }
}
