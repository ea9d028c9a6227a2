package dev.dycoke4j.llm;

import dev.dycoke4j.io.Checkpoint;
import dev.dycoke4j.io.LlavaConfig;
import dev.dycoke4j.io.Qwen25VlConfig;

/**
 * What differs between the model families that share {@link Qwen2Decoder}: where its weights sit in the checkpoint,
 * whether the LM head is tied to the embeddings, and whether positions are 1D or M-RoPE triples.
 *
 * @param prefix       the name prefix of {@code embed_tokens}, {@code layers.{i}} and {@code norm}
 *                     ({@code language_model.model.} for LLaVA-OneVision)
 * @param head         the LM head's name without {@code .weight}
 * @param tied         whether a missing head is the embedding matrix
 * @param mropeSection the M-RoPE split of the rotary frequencies over (t, h, w), or null for 1D RoPE
 */
public record DecoderLayout(String prefix, String head, boolean tied, int[] mropeSection) {
    public DecoderLayout {
        mropeSection = mropeSection == null ? null : mropeSection.clone();
    }

    @Override
    public int[] mropeSection() {
        return mropeSection == null ? null : mropeSection.clone();
    }

    /** LLaVA-OneVision: {@code language_model.model.*}, {@code language_model.lm_head}, 1D RoPE. */
    public static DecoderLayout llavaOneVision(LlavaConfig cfg) {
        return new DecoderLayout("language_model.model.", "language_model.lm_head", cfg.tieWordEmbeddings() || cfg.text().tieWordEmbeddings(), null);
    }

    /**
     * Qwen2.5-VL: the hub checkpoints' {@code model.*} and {@code lm_head}, or the {@code model.language_model.*} that
     * transformers 4.52 and later save (whichever {@code ck} holds), with M-RoPE.
     */
    public static DecoderLayout qwen25Vl(Qwen25VlConfig cfg, Checkpoint ck) {
        String prefix = ck.has("model.language_model.embed_tokens.weight") ? "model.language_model." : "model.";
        return new DecoderLayout(prefix, "lm_head", cfg.text().tieWordEmbeddings(), cfg.mropeSection());
    }
}
