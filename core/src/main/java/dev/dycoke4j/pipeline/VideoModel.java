package dev.dycoke4j.pipeline;

import dev.dycoke4j.compress.CompressionMethod;
import dev.dycoke4j.compress.VisualTokens;
import dev.dycoke4j.io.LlavaConfig.TextConfig;
import dev.dycoke4j.llm.KvCache;
import dev.dycoke4j.llm.Positions;
import dev.dycoke4j.llm.Qwen2Decoder;
import dev.dycoke4j.tokenizer.ChatTemplate;
import dev.dycoke4j.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A loaded checkpoint of one model family, as the stages use it. A family supplies what differs: its vision side
 * ({@link FamilyVision}, which {@link VideoQa} puts behind {@link VisionStage}), the prompt's video rows for the tokens a
 * method kept, the prompt layout (chat template and video token), the rotary positions of a prompt (1D, or M-RoPE's
 * (t, h, w) triples), the stop tokens, and which compression methods it can run. The decoder blocks, kernels, KV
 * storage, caches, methods and stages are shared: {@link CompressStage}, {@link AnswerStage}, {@link Sequence},
 * {@link VideoSession} and {@link Fidelity} take any family.
 */
public sealed interface VideoModel extends AutoCloseable permits LlavaOneVision, Qwen25Vl {
    /** The checkpoint directory. */
    Path dir();

    /** The family's name, for messages. */
    String familyName();

    /** The language model. */
    Qwen2Decoder decoder();

    /** The language model's config. */
    default TextConfig text() {
        return decoder().config();
    }

    /** How the language model's weights are held. */
    LoadOptions.WeightFormat weightFormat();

    /** The dtype of the language model's KV cache. */
    default KvCache.Precision kvCache() {
        return decoder().kvPrecision();
    }

    /** An empty KV cache for the language model, sized for {@code expectedTokens} at first. */
    default KvCache newCache(int expectedTokens) {
        return decoder().newCache(expectedTokens);
    }

    /** The bytes of the checkpoint's weight files. */
    long weightBytes();

    /** The weight bytes that stay resident once the model has answered (what its products read). */
    long residentWeightBytes();

    /** The id that stands for one video position in the prompt. */
    int videoTokenId();

    /**
     * Refuses, in one line naming it, a compression method this family cannot run (rather than run it wrongly).
     *
     * @throws IllegalArgumentException for such a method
     */
    void checkMethod(CompressionMethod comp);

    /**
     * The video's rows of the prompt for the tokens a method kept: {@code [videoPositions(kept.count()), hidden]}, the
     * kept rows first, in order (a family may add rows after them, as LLaVA-OneVision's newline).
     */
    float[] videoRows(VisualTokens kept);

    /** The prompt ids of {@code question} about a video of {@code videoPositions} positions, after {@code system} (null: the template's default). */
    int[] promptIds(Tokenizer tok, String system, String question, int videoPositions);

    /** The question-independent part of {@link #promptIds(Tokenizer, String, String, int)}: the turns up to and including the video. */
    int[] prefixIds(Tokenizer tok, String system, int videoPositions);

    /** The prompt ids of a conversation, the video ({@code videoPositions} positions, 0 without one) where a message holds it. */
    int[] promptIds(Tokenizer tok, List<ChatTemplate.Message> messages, int videoPositions);

    /** The ids that end an answer. */
    Set<Integer> stopIds(Tokenizer tok);

    /**
     * The rotary position of every row of {@code prompt}, which holds {@code video}'s rows; null when they are simply
     * consecutive (a 1D RoPE model).
     */
    Positions positions(int[] prompt, CompressedVideo video);

    /** The input embeddings of {@code ids}, the video token's rows taken in order from {@code videoRows} (null: none). */
    default float[] inputsEmbeds(int[] ids, float[] videoRows) {
        return decoder().embed(ids, videoTokenId(), videoRows);
    }

    @Override
    void close();
}
