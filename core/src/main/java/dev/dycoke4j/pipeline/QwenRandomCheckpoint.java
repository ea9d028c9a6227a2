package dev.dycoke4j.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.io.SafetensorsWriter;
import dev.dycoke4j.tensor.DType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static dev.dycoke4j.pipeline.RandomCheckpoint.constant;
import static dev.dycoke4j.pipeline.RandomCheckpoint.linear;
import static dev.dycoke4j.pipeline.RandomCheckpoint.normal;

/**
 * Writes a Qwen2.5-VL checkpoint directory with random weights in the hub layout of {@code Qwen/Qwen2.5-VL-*-Instruct}:
 * config.json (the flat layout, {@code Qwen2_5_VLForConditionalGeneration}), preprocessor_config.json,
 * generation_config.json (its stop-token list), model.safetensors ({@code visual.*}, {@code model.*}, and
 * {@code lm_head} unless tied) and a byte-level tokenizer.json with Qwen's 14 special tokens in their real order. Its
 * answers are meaningless; it exists so that benchmarks run Qwen2.5-VL's real code paths at real shapes with no
 * download, as {@link RandomCheckpoint} does for LLaVA-OneVision.
 */
public final class QwenRandomCheckpoint {
    /** Qwen2.5-VL's special tokens, from {@code <|endoftext|>} (151643 in the real vocabulary) on. */
    static final String[] SPECIALS = {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
            "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>",
            "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>"};
    static final int PATCH = 14, TEMPORAL_PATCH = 2, MERGE = 2;

    /**
     * The shapes of the checkpoint: the vision tower (depth, width, MLP width, heads, merger output, window in pixels,
     * the blocks with full attention) and the Qwen2 decoder (width, MLP width, layers, heads, KV heads, vocabulary, the
     * id of {@code <|endoftext|>}, positions, tied head, M-RoPE split).
     */
    public record Spec(int visionDepth, int visionHidden, int visionInter, int visionHeads, int windowSize, List<Integer> fullattBlocks,
                       int textHidden, int textInter, int textLayers, int textHeads, int kvHeads, int vocab, int specialBase,
                       int maxPositions, boolean tied, List<Integer> mropeSection, DType dtype) {
        public Spec {
            fullattBlocks = List.copyOf(fullattBlocks);
            mropeSection = List.copyOf(mropeSection);
            if (specialBase + SPECIALS.length > vocab)
                throw new IllegalArgumentException("the special tokens from " + specialBase + " do not fit a vocabulary of " + vocab);
        }

        /**
         * The real dimensions of Qwen/Qwen2.5-VL-3B-Instruct: a 32-block vision tower of width 1280 (MLP 3420, 16 heads,
         * windows of 112 px, full attention in blocks 7, 15, 23, 31) merging into 2048, and Qwen2.5-3B (36 layers,
         * 16 heads on 2 KV heads, MLP 11008, 151936 tokens, the LM head tied to the embeddings, M-RoPE 16/24/24).
         */
        public static Spec qwen25Vl3b(DType dtype) {
            return new Spec(32, 1280, 3420, 16, 112, List.of(7, 15, 23, 31),
                    2048, 11008, 36, 16, 2, 151936, 151643, 128000, true, List.of(16, 24, 24), dtype);
        }

        /** The merger's output width: the decoder's. */
        public int outHidden() {
            return textHidden;
        }

        /** The parameters {@link #write} stores. */
        public long parameters() {
            long d = visionHidden, m = visionInter, wide = d * MERGE * MERGE, dt = textHidden, hd = textHidden / textHeads;
            long vision = d * 3 * TEMPORAL_PATCH * PATCH * PATCH
                    + visionDepth * (2 * d + 3 * d * d + 3 * d + d * d + d + 2 * (m * d + m) + d * m + d)
                    + d + wide * wide + wide + dt * wide + dt;
            long layer = 2 * dt + (textHeads * hd * dt + textHeads * hd) + 2 * (kvHeads * hd * dt + kvHeads * hd) + dt * textHeads * hd
                    + 3L * textInter * dt;
            return vision + (long) vocab * dt * (tied ? 1 : 2) + textLayers * layer + dt;
        }

        /** Bytes of the weights file (the tensors; the header adds a few kilobytes). */
        public long bytes() {
            return parameters() * dtype.bytes;
        }
    }

    private QwenRandomCheckpoint() {
    }

    /** Writes the whole checkpoint into {@code dir}, weights drawn from {@code seed}. */
    public static void write(Path dir, Spec s, long seed) {
        try {
            writeConfigs(dir, s);
            RandomCheckpoint.writeTokenizer(dir, s.specialBase(), SPECIALS);
            writeWeights(dir, s, seed);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write the checkpoint (" + e.getMessage() + ")", e);
        }
    }

    /** config.json, preprocessor_config.json and generation_config.json alone. */
    static void writeConfigs(Path dir, Spec s) throws IOException {
        Files.createDirectories(dir);
        ObjectMapper m = new ObjectMapper();
        int base = s.specialBase();
        ObjectNode c = m.createObjectNode();
        c.putArray("architectures").add("Qwen2_5_VLForConditionalGeneration");
        c.put("model_type", "qwen2_5_vl");
        c.put("bos_token_id", base).put("eos_token_id", base + 2);
        c.put("vision_start_token_id", base + 9).put("vision_end_token_id", base + 10).put("vision_token_id", base + 11)
                .put("image_token_id", base + 12).put("video_token_id", base + 13);
        c.put("hidden_act", "silu").put("hidden_size", s.textHidden()).put("intermediate_size", s.textInter())
                .put("max_position_embeddings", s.maxPositions()).put("num_attention_heads", s.textHeads())
                .put("num_hidden_layers", s.textLayers()).put("num_key_value_heads", s.kvHeads()).put("rms_norm_eps", 1e-6)
                .put("rope_theta", 1000000.0).put("tie_word_embeddings", s.tied()).put("vocab_size", s.vocab())
                .put("torch_dtype", s.dtype() == DType.BF16 ? "bfloat16" : "float32");
        ObjectNode rope = c.putObject("rope_scaling");
        rope.put("type", "mrope");
        ArrayNode section = rope.putArray("mrope_section");
        s.mropeSection().forEach(section::add);
        ObjectNode v = c.putObject("vision_config");
        v.put("depth", s.visionDepth()).put("hidden_act", "silu").put("hidden_size", s.visionHidden())
                .put("intermediate_size", s.visionInter()).put("num_heads", s.visionHeads()).put("in_chans", 3)
                .put("out_hidden_size", s.outHidden()).put("patch_size", PATCH).put("spatial_merge_size", MERGE)
                .put("spatial_patch_size", PATCH).put("temporal_patch_size", TEMPORAL_PATCH).put("tokens_per_second", 2)
                .put("window_size", s.windowSize());
        ArrayNode full = v.putArray("fullatt_block_indexes");
        s.fullattBlocks().forEach(full::add);
        m.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), c);

        ObjectNode p = m.createObjectNode();
        p.put("do_convert_rgb", true).put("do_normalize", true).put("do_rescale", true).put("do_resize", true);
        p.putArray("image_mean").add(0.48145466).add(0.4578275).add(0.40821073);
        p.putArray("image_std").add(0.26862954).add(0.26130258).add(0.27577711);
        p.put("image_processor_type", "Qwen2VLImageProcessor").put("processor_class", "Qwen2_5_VLProcessor");
        p.put("min_pixels", 3136).put("max_pixels", 12845056).put("merge_size", MERGE).put("patch_size", PATCH)
                .put("temporal_patch_size", TEMPORAL_PATCH).put("resample", 3).put("rescale_factor", 1.0 / 255);
        m.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("preprocessor_config.json").toFile(), p);

        ObjectNode g = m.createObjectNode();
        g.put("bos_token_id", base).put("pad_token_id", base).put("do_sample", false);
        g.putArray("eos_token_id").add(base + 2).add(base);
        m.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("generation_config.json").toFile(), g);
    }

    private static void writeWeights(Path dir, Spec s, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        SafetensorsWriter w = new SafetensorsWriter();
        DType dt = s.dtype();
        int d = s.visionHidden(), m = s.visionInter(), wide = d * MERGE * MERGE, dm = s.textHidden();
        w.addLazy("visual.patch_embed.proj.weight", dt, () -> normal(rnd, (long) d * 3 * TEMPORAL_PATCH * PATCH * PATCH, 0.02f),
                d, 3, TEMPORAL_PATCH, PATCH, PATCH);
        for (int i = 0; i < s.visionDepth(); i++) {
            String p = "visual.blocks." + i + ".";
            w.add(p + "norm1.weight", dt, constant(d, 1f), d);
            w.add(p + "norm2.weight", dt, constant(d, 1f), d);
            linear(w, rnd, dt, p + "attn.qkv", 3 * d, d, true);
            linear(w, rnd, dt, p + "attn.proj", d, d, true);
            linear(w, rnd, dt, p + "mlp.gate_proj", m, d, true);
            linear(w, rnd, dt, p + "mlp.up_proj", m, d, true);
            linear(w, rnd, dt, p + "mlp.down_proj", d, m, true);
        }
        w.add("visual.merger.ln_q.weight", dt, constant(d, 1f), d);
        linear(w, rnd, dt, "visual.merger.mlp.0", wide, wide, true);
        linear(w, rnd, dt, "visual.merger.mlp.2", dm, wide, true);
        w.addLazy("model.embed_tokens.weight", dt, () -> normal(rnd, (long) s.vocab() * dm, 0.5f), s.vocab(), dm);
        if (!s.tied())
            w.addLazy("lm_head.weight", dt, () -> normal(rnd, (long) s.vocab() * dm, (float) (1 / Math.sqrt(dm))), s.vocab(), dm);
        int hd = dm / s.textHeads();
        for (int i = 0; i < s.textLayers(); i++) {
            String p = "model.layers." + i + ".";
            w.add(p + "input_layernorm.weight", dt, constant(dm, 1f), dm);
            w.add(p + "post_attention_layernorm.weight", dt, constant(dm, 1f), dm);
            linear(w, rnd, dt, p + "self_attn.q_proj", s.textHeads() * hd, dm, true);
            linear(w, rnd, dt, p + "self_attn.k_proj", s.kvHeads() * hd, dm, true);
            linear(w, rnd, dt, p + "self_attn.v_proj", s.kvHeads() * hd, dm, true);
            linear(w, rnd, dt, p + "self_attn.o_proj", dm, s.textHeads() * hd, false);
            linear(w, rnd, dt, p + "mlp.gate_proj", s.textInter(), dm, false);
            linear(w, rnd, dt, p + "mlp.up_proj", s.textInter(), dm, false);
            linear(w, rnd, dt, p + "mlp.down_proj", dm, s.textInter(), false);
        }
        w.add("model.norm.weight", dt, constant(dm, 1f), dm);
        w.write(dir.resolve("model.safetensors"));
    }
}
