package dev.dycoke4j.compress;

import dev.dycoke4j.llm.AttentionHook;
import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.llm.Qwen2Decoder;
import dev.dycoke4j.llm.Sampler;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DP with the compact store ({@code --dp-store compact}) on the oracle chat prompt after TTM, against the golden DP
 * cases and against the full store: the same greedy tokens, the pruned entries really out of the float store, and the
 * logits close to the full store's.
 */
class DpCompactStoreTest {
    static DpOracle fx;
    static final String[][] CASES = {{"official", "1", "0.5"}, {"always", "1", "0.5"}, {"always", "1", "0.8"}, {"official", "2", "0.7"}};
    static final int VISUAL = 68, STEPS = 12, PROMPT = 90, LAYERS = 3;
    /** Bytes of the full float cache at the end: 3 layers x (90 + 11) slots x 32 floats x K,V. */
    static final long FULL_BYTES = 2L * LAYERS * (PROMPT + STEPS - 1) * 32 * 4;

    @BeforeAll
    static void load() {
        fx = new DpOracle();
    }

    @AfterAll
    static void close() {
        fx.close();
    }

    record Run(int[] tokens, float[][] logits, KvCache cache, DynamicPruning dp) {
    }

    static DynamicPruning hook(String mode, int layer, double p, KvCache.CompactType type) {
        return new DynamicPruning(DynamicPruning.Mode.valueOf(mode.toUpperCase(Locale.ROOT)), layer, p,
                DpOracle.firstVideo(fx.ttmChatIds()), VISUAL, STEPS - 1, type);
    }

    /** Greedy decoding, or fed the {@code forced} tokens; the logits each token was taken from. */
    static Run run(DynamicPruning dpHook, AttentionHook hook, int[] forced) {
        int[] ids = fx.ttmChatIds();
        float[] x = fx.ttmChatEmbeds();
        Qwen2Decoder dec = fx.model.decoder();
        KvCache cache = fx.model.newCache(ids.length + STEPS);
        int vocab = dec.config().vocabSize();
        float[] logits = dec.forward(x, ids.length, cache, 1, null);
        int[] tokens = new int[STEPS];
        float[][] all = new float[STEPS][];
        for (int i = 0; i < STEPS; i++) {
            all[i] = logits;
            tokens[i] = forced != null ? forced[i] : Sampler.argmax(logits, 0, vocab);
            if (i == STEPS - 1) break;
            logits = dec.forward(dec.embed(new int[]{tokens[i]}), 1, cache, 1, hook);
        }
        return new Run(tokens, all, cache, dpHook);
    }

    static Run run(String mode, int layer, double p, KvCache.CompactType type, int[] forced) {
        DynamicPruning h = hook(mode, layer, p, type);
        return run(h, h, forced);
    }

    static String key(String mode, int layer, String p) {
        return "chat_ttm_k0.7_dp_" + mode + "_l" + layer + "_p" + p + "_";
    }

    @ParameterizedTest
    @CsvSource({"official, 1, 0.5, INT8", "always, 1, 0.5, INT8", "always, 1, 0.8, INT8", "official, 2, 0.7, INT8",
            "official, 1, 0.5, BF16", "always, 1, 0.5, BF16", "always, 1, 0.8, BF16", "official, 2, 0.7, BF16"})
    void compactStoreKeepsTheGoldenTokensAndShrinksTheFloatCache(String mode, int layer, String p, KvCache.CompactType type) {
        String key = key(mode, layer, p);
        Run r = run(mode, layer, Double.parseDouble(p), type, null);
        assertArrayEquals(fx.dp.get(key + "generated_ids").toIntArray(), r.tokens(), "generated ids");
        assertArrayEquals(fx.dp.get(key + "attended_visual").toIntArray(), r.dp().attendedPerStep(), "attended visual tokens per step");
        assertEquals(fx.dp.get(key + "pruned_steps").toIntArray()[0], r.dp().reselections(), "re-selecting steps");
        assertEquals(DynamicPruning.Store.COMPACT, r.dp().store());

        // the last re-selection left out all the visual tokens but the kept ones (and, officially, the last one)
        int selected = r.dp().keepCount() + (mode.equals("official") ? 1 : 0), pruned = VISUAL - selected, upper = LAYERS - layer;
        long rowBytes = 2L * 32 * 4, compactRow = type == KvCache.CompactType.INT8 ? 2L * (32 + 2 * 4) : 2L * 32 * 2;
        for (int l = 0; l < LAYERS; l++) assertEquals(l >= layer ? pruned : 0, r.cache().compactSlots(l), "layer " + l);
        long active = r.cache().bytes(), prunedBytes = r.cache().prunedBytes();
        assertEquals(FULL_BYTES - (long) upper * pruned * rowBytes, active, "kv bytes active");
        assertEquals((long) upper * pruned * compactRow, prunedBytes, "kv bytes pruned");
        assertTrue(active < FULL_BYTES);
        assertTrue(active + prunedBytes < FULL_BYTES);
        Run full = run(mode, layer, Double.parseDouble(p), null, null);
        assertEquals(FULL_BYTES, full.cache().bytes());
        assertEquals(0, full.cache().prunedBytes());
        assertTrue(r.cache().capacityBytes() < full.cache().capacityBytes(), "the arrays held really shrank: "
                + r.cache().capacityBytes() + " vs " + full.cache().capacityBytes());
    }

    /** A DP hook that checks, after its re-tiering, which store every slot the upper layers will read is in. */
    static final class Watch implements AttentionHook {
        final DynamicPruning dp;
        final List<Integer> compactReadInPlace = new ArrayList<>();

        Watch(DynamicPruning dp) {
            this.dp = dp;
        }

        @Override
        public int probeLayer() {
            return dp.probeLayer();
        }

        @Override
        public int[] select(float[] probs, int len) {
            return dp.select(probs, len);
        }

        @Override
        public void afterSelect(KvCache cache, int[] active) {
            dp.afterSelect(cache, active);
            for (int l = 0; l < dp.layer(); l++) assertFalse(cache.tiered(l), "layer " + l + " is below L");
            int compact = 0;
            for (int l = dp.layer(); l < cache.layers(); l++) {
                if (active != null) for (int s : active) if (s < cache.length(l)) assertFalse(cache.isCompact(l, s), "layer " + l + " slot " + s + " is read from the compact store");
                compact += cache.compactSlots(l);
            }
            if (active == null) compactReadInPlace.add(compact);
        }
    }

    @ParameterizedTest
    @CsvSource({"always, 1, 0.5, INT8", "always, 1, 0.8, INT8", "always, 1, 0.5, BF16", "always, 1, 0.8, BF16"})
    void alwaysModeReadsOnlyFloatEntriesAboveL(String mode, int layer, double p, KvCache.CompactType type) {
        DynamicPruning h = hook(mode, layer, p, type);
        Watch w = new Watch(h);
        run(h, w, null);
        assertEquals(STEPS - 1, h.reselections());
        assertTrue(w.compactReadInPlace.isEmpty(), "every step re-selects");
    }

    @ParameterizedTest
    @CsvSource({"official, 1, 0.5, INT8", "official, 2, 0.7, BF16"})
    void officialStableStepsReadCompactEntriesInPlace(String mode, int layer, double p, KvCache.CompactType type) {
        DynamicPruning h = hook(mode, layer, p, type);
        Watch w = new Watch(h);
        Run r = run(h, w, null);
        assertArrayEquals(fx.dp.get(key(mode, layer, String.valueOf(p)) + "generated_ids").toIntArray(), r.tokens());
        long stable = java.util.Arrays.stream(h.attendedPerStep()).filter(a -> a == VISUAL).count();
        assertTrue(stable > 0);
        assertEquals(stable, w.compactReadInPlace.size(), "steps over the full cache");
        int selected = h.keepCount() + 1;
        for (int c : w.compactReadInPlace) assertEquals((LAYERS - layer) * (VISUAL - selected), c, "compact entries read in place");
    }

    /**
     * Compact against full, over the 4 golden cases: free-running greedy agreement, and the largest logit difference
     * with both fed the full store's tokens. The first decode step reads only untouched float rows at layers ≥ L, so
     * its logits agree to rounding; later steps see recalled (rounded) entries, or compact ones in place.
     */
    @Test
    void fidelityAgainstTheFullStore() {
        StringBuilder report = new StringBuilder("DP compact store vs full store (teacher-forced logits, greedy agreement):\n");
        for (KvCache.CompactType t : KvCache.CompactType.values()) {
            float worst = 0;
            int agreeAll = 0;
            for (String[] c : CASES) {
                int layer = Integer.parseInt(c[1]);
                double p = Double.parseDouble(c[2]);
                Run full = run(c[0], layer, p, null, null);
                Run free = run(c[0], layer, p, t, null);
                Run forced = run(c[0], layer, p, t, full.tokens());
                int agree = 0;
                for (int i = 0; i < STEPS; i++) if (free.tokens()[i] == full.tokens()[i]) agree++;
                float md = 0;
                for (int i = 0; i < STEPS; i++) md = Math.max(md, Oracle.maxAbsDiff(full.logits()[i], forced.logits()[i]));
                // (to rounding only: a vector lane reduction's order may change once the JIT compiles it)
                assertTrue(Oracle.maxAbsDiff(full.logits()[0], forced.logits()[0]) < 1e-5, "the prefill is never touched");
                assertTrue(Oracle.maxAbsDiff(full.logits()[1], forced.logits()[1]) < 1e-5, "the first step reads only float rows");
                report.append(String.format(Locale.ROOT, "  %-4s %-8s L=%d P=%s: tokens %2d/%d, max |logit diff| %.2e, kv active %d + pruned %d (full %d), arrays held %d (full %d)%n",
                        t, c[0], layer, c[2], agree, STEPS, md, free.cache().bytes(), free.cache().prunedBytes(), full.cache().bytes(),
                        free.cache().capacityBytes(), full.cache().capacityBytes()));
                worst = Math.max(worst, md);
                agreeAll += agree;
            }
            report.append(String.format(Locale.ROOT, "  %s: %d/%d tokens agree, max |logit diff| %.2e%n", t, agreeAll, 4 * STEPS, worst));
            assertEquals(4 * STEPS, agreeAll, t + ": greedy tokens");
            assertTrue(worst < (t == KvCache.CompactType.INT8 ? 5e-3f : 2e-3f), t + ": max logit difference " + worst);
            assertTrue(worst > 0, t + ": compact entries were read");
        }
        System.out.print(report);
    }

    @Test
    void aPromptAfterTheCompactStoreIsRejected() {
        Run r = run("always", 1, 0.5, KvCache.CompactType.INT8, null);
        Qwen2Decoder dec = fx.model.decoder();
        var e = assertThrows(IllegalStateException.class, () -> dec.forward(dec.embed(new int[]{10, 11}), 2, r.cache(), 1));
        assertTrue(e.getMessage().contains("takes one token at a time"), e.getMessage());
        assertEquals(DynamicPruning.Store.FULL, hook("always", 1, 0.5, null).store());
    }
}
