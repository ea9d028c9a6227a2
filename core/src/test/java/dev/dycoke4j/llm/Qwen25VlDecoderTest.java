package dev.dycoke4j.llm;

import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.testing.Oracle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Qwen2.5-VL's language model on the shared Qwen2 decoder, from the golden inputs embeddings and M-RoPE positions,
 * against the float32 PyTorch reference: prefill logits, the last row's hidden state after every layer, greedy
 * generation with the KV cache and its positions, the text-only prompt, and the EVS-pruned prompt.
 */
class Qwen25VlDecoderTest {
    static QwenOracle q;
    static Safetensors g, evs;

    @BeforeAll
    static void load() {
        q = QwenOracle.load();
        g = QwenOracle.golden("forward.safetensors");
        evs = QwenOracle.golden("evs.safetensors");
    }

    @AfterAll
    static void close() {
        q.close();
        g.close();
        evs.close();
    }

    static float[] f(Safetensors s, String name) {
        return s.get(name).toFloatArray();
    }

    static int[] ids(Safetensors s, String name) {
        return s.get(name).toIntArray();
    }

    static Positions positions(Safetensors s, String name) {
        return Positions.ofRows(s.get(name).toLongArray());
    }

    /** Every row of the prefill logits within 1e-4 of scale, and the cache then continues after the largest position. */
    @Test
    void prefillLogitsMatch() {
        int T = ids(g, "input_ids").length;
        KvCache cache = q.decoder.newCache(T);
        float[] logits = q.decoder.forward(f(g, "inputs_embeds"), positions(g, "position_ids"), cache, T, null, null);
        Oracle.assertClose("logits", logits, f(g, "logits"), 1e-4);
        assertEquals(g.get("rope_deltas").toIntArray()[0], cache.positionDelta(), "rope delta");
    }

    @Test
    void lastHiddenAfterEveryLayerMatches() {
        int T = ids(g, "input_ids").length;
        float[] h = q.decoder.lastHiddenPerLayer(f(g, "inputs_embeds"), positions(g, "position_ids"), q.decoder.newCache(T));
        Oracle.assertClose("layer_last_hidden", h, f(g, "layer_last_hidden"), 1e-4);
    }

    /** Greedy tokens exactly, each step's logits, and the position each decode step fed its token at. */
    @Test
    void greedyGenerationWithTheCacheMatches() {
        generate(g, "inputs_embeds", "position_ids", "generated_ids", "gen_logits", "decode_position_ids");
    }

    @Test
    void evsPrunedPromptMatches() {
        int T = ids(evs, "evs_input_ids").length;
        float[] logits = q.decoder.forward(f(evs, "evs_inputs_embeds"), positions(evs, "evs_position_ids"), q.decoder.newCache(T), T, null, null);
        Oracle.assertClose("evs_logits", logits, f(evs, "evs_logits"), 1e-4);
        generate(evs, "evs_inputs_embeds", "evs_position_ids", "evs_generated_ids", "evs_gen_logits", "evs_decode_position_ids");
    }

    /** The chat without the video: plain consecutive positions (the decoder's 1D default), rope delta 0. */
    @Test
    void textOnlyPromptMatches() {
        int[] ids = ids(g, "text_input_ids");
        KvCache cache = q.decoder.newCache(ids.length + 12);
        float[] logits = q.decoder.forward(q.decoder.embed(ids), ids.length, cache, ids.length);
        Oracle.assertClose("text_logits", logits, f(g, "text_logits"), 1e-4);
        cache.truncate(0);
        Generator.Result r = Generator.run(q.decoder, cache, q.decoder.embed(ids), ids.length, Sampler.greedy(), 12, Set.of(), false, null);
        assertArrayEquals(ids(g, "text_generated_ids"), r.tokens());
    }

    /** The golden embeddings are the token embeddings with the video features in the video pads' rows, in order. */
    @Test
    void inputsEmbedsAreTokensWithTheVideoScatteredIn() {
        float[] x = q.decoder.embed(ids(g, "input_ids"), q.config.videoTokenId(), f(g, "video_embeds"));
        assertArrayEquals(f(g, "inputs_embeds"), x);
        int[] evsIds = ids(evs, "evs_input_ids");
        int[] kept = ids(evs, "evs_kept_idx");
        float[] video = f(g, "video_embeds");
        int d = q.config.text().hiddenSize();
        float[] keptRows = new float[kept.length * d];
        for (int r = 0; r < kept.length; r++) System.arraycopy(video, kept[r] * d, keptRows, r * d, d);
        assertArrayEquals(f(evs, "evs_inputs_embeds"), q.decoder.embed(evsIds, q.config.videoTokenId(), keptRows));
        var e = assertThrows(IllegalArgumentException.class, () -> q.decoder.embed(evsIds, q.config.videoTokenId(), video));
        assertEquals("the prompt has 96 media positions but 12288 floats of media give 192 rows of 64", e.getMessage());
    }

    /**
     * Two Qwen sequences at different positions (the video prompt after its prefill, rope delta -184, and the EVS
     * prompt, -88, one step further on) decode as one batch exactly as each alone.
     */
    @Test
    void batchedDecodeOfTwoSequencesEqualsEachAlone() {
        int[] main = ids(g, "input_ids"), pruned = ids(evs, "evs_input_ids");
        KvCache[] batch = {prefilled(g, "inputs_embeds", "position_ids", main.length), prefilled(evs, "evs_inputs_embeds", "evs_position_ids", pruned.length)};
        KvCache[] solo = {prefilled(g, "inputs_embeds", "position_ids", main.length), prefilled(evs, "evs_inputs_embeds", "evs_position_ids", pruned.length)};
        int[] first = {7, 11};
        q.decoder.decode(q.decoder.embed(new int[] {first[1]}), new KvCache[] {batch[1]}, new AttentionHook[1]);
        q.decoder.decode(q.decoder.embed(new int[] {first[1]}), new KvCache[] {solo[1]}, new AttentionHook[1]);
        assertEquals(61, batch[1].nextPosition(), "the EVS sequence after one step");
        assertEquals(60, batch[0].nextPosition(), "the video sequence after its prefill");
        for (int step = 0; step < 3; step++) {
            int[] tok = {first[0] + step, first[1] + step};
            float[][] together = q.decoder.decode(q.decoder.embed(tok), batch, new AttentionHook[2]);
            for (int b = 0; b < 2; b++) {
                float[] alone = q.decoder.decode(q.decoder.embed(new int[] {tok[b]}), new KvCache[] {solo[b]}, new AttentionHook[1])[0];
                Oracle.assertClose("sequence " + b + " step " + step, together[b], alone, 1e-5);
                assertEquals(solo[b].nextPosition(), batch[b].nextPosition());
            }
        }
        assertEquals(63, batch[0].nextPosition());
    }

    /** A 1D decoder refuses (t, h, w) triples rather than rotating them as one position. */
    @Test
    void unequalAxesOnA1dDecoderAreRefused() {
        Qwen2Decoder flat = new Qwen2Decoder(new dev.dycoke4j.io.Weights(q.checkpoint), q.config.text(),
                new DecoderLayout("model.", "lm_head", false, null), KvCache.Precision.F32);
        var e = assertThrows(IllegalArgumentException.class, () -> flat.forward(f(g, "inputs_embeds"), positions(g, "position_ids"), flat.newCache(244), 1, null, null));
        assertEquals("this decoder uses 1D RoPE; it cannot take (t, h, w) positions with unequal axes", e.getMessage());
    }

    private KvCache prefilled(Safetensors s, String embeds, String pos, int T) {
        KvCache cache = q.decoder.newCache(T + 8);
        q.decoder.forward(f(s, embeds), positions(s, pos), cache, 1, null, null);
        return cache;
    }

    private void generate(Safetensors s, String embeds, String pos, String tokens, String logits, String decodePositions) {
        int[] want = ids(s, tokens);
        int[] wantPos = ids(s, decodePositions);
        float[] wantLogits = f(s, logits);
        int vocab = q.config.text().vocabSize();
        Positions p = positions(s, pos);
        KvCache cache = q.decoder.newCache(p.count() + want.length);
        int[] fedAt = new int[want.length - 1];
        Generator.Listener l = (id, from, step) -> {
            Oracle.assertClose(logits + "[" + step + "]", from, Arrays.copyOfRange(wantLogits, step * vocab, (step + 1) * vocab), 1e-4);
            if (step > 0) fedAt[step - 1] = cache.nextPosition() - 1;
        };
        Generator gen = new Generator(q.decoder, cache, f(s, embeds), p, Sampler.greedy(), want.length, Set.of(), null, null);
        gen.prefill(p.count(), false);
        while (!gen.done()) {
            float[] from = gen.logits();
            int id = gen.choose();
            l.token(id, from, gen.count() - 1);
            gen.feed();
        }
        assertArrayEquals(want, gen.tokens(), tokens);
        assertArrayEquals(wantPos, fedAt, decodePositions);
    }
}
