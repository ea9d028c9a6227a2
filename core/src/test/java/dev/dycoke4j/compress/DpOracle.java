package dev.dycoke4j.compress;

import dev.dycoke4j.io.Safetensors;
import dev.dycoke4j.pipeline.LlavaOneVision;
import dev.dycoke4j.testing.Oracle;

/**
 * The oracle set-up the DP tests share: the tiny model, the golden {@code forward} and {@code dp} tensors, and the
 * chat prompt after TTM (K = 0.7, official windows and order) that the golden DP cases decode from.
 */
final class DpOracle implements AutoCloseable {
    /** The video token of the oracle's tokenizer. */
    static final int VIDEO_TOKEN = 501;

    final LlavaOneVision model = LlavaOneVision.load(Oracle.model());
    final Safetensors fwd = Oracle.golden("forward.safetensors");
    final Safetensors dp = Oracle.golden("dp.safetensors");

    /** The golden pooled features of the 8 frames after TTM: 68 of 128 tokens. */
    VisualTokens ttmKept() {
        return new Ttm(0.7, Ttm.Windows.OFFICIAL, Ttm.Order.OFFICIAL)
                .compress(VisualTokens.pooled(fwd.get("pooled").toFloatArray(), 8, 16, 64));
    }

    /** The chat prompt ids after TTM, the video token once per kept position (and the newline). */
    int[] ttmChatIds() {
        return fwd.get("chat_ttm_k0.7_input_ids").toIntArray();
    }

    /** The input embeddings of {@link #ttmChatIds}, with the kept tokens and the newline at the video positions. */
    float[] ttmChatEmbeds() {
        VisualTokens kept = ttmKept();
        return model.inputsEmbeds(ttmChatIds(), model.withNewline(kept.features(), kept.count()));
    }

    /** The position of the first video token of {@code ids}. */
    static int firstVideo(int[] ids) {
        for (int i = 0; i < ids.length; i++) if (ids[i] == VIDEO_TOKEN) return i;
        throw new AssertionError("no video token");
    }

    @Override
    public void close() {
        model.close();
        fwd.close();
        dp.close();
    }
}
