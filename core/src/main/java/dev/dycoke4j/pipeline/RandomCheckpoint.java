package dev.dycoke4j.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.io.SafetensorsWriter;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.vision.SiglipPoolingHead;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.SplittableRandom;

/**
 * Writes a LLaVA-OneVision checkpoint directory with random weights in the Hugging Face layout: config.json,
 * preprocessor_config.json, model.safetensors and a byte-level tokenizer.json (256 byte tokens and the chat special
 * tokens, no merges), and beside them a random SigLIP attention-pooling head of the tower's shape
 * ({@link SiglipPoolingHead#BESIDE}), which FastVID needs and real LLaVA-OneVision checkpoints lack. Its answers are
 * meaningless; it exists so that the demo and the benchmarks run the real code paths at real shapes with no download.
 */
public final class RandomCheckpoint {
    /** The shapes of the checkpoint. */
    public record Spec(int visionHidden, int visionInter, int visionLayers, int visionHeads, int imageSize, int patchSize,
                       int textHidden, int textInter, int textLayers, int textHeads, int kvHeads, int vocab,
                       int specialBase, int maxPositions, boolean tied, DType dtype) {
        /** Small and quick: the {@code dycoke demo} model. */
        public static Spec demo() {
            return new Spec(192, 768, 4, 4, 112, 14, 256, 1024, 4, 4, 2, 512, 500, 8192, false, DType.BF16);
        }

        /** The real dimensions of llava-onevision-qwen2-0.5b-ov-hf (SigLIP-so400m, Qwen2-0.5B). */
        public static Spec qwen05b(DType dtype) {
            return new Spec(1152, 4304, 26, 16, 384, 14, 896, 4864, 24, 14, 2, 151936, 151643, 32768, true, dtype);
        }

        /**
         * The real dimensions of llava-onevision-qwen2-7b-ov-hf: the same SigLIP-so400m, and Qwen2-7B (28 query heads
         * on 4 KV heads, an LM head of its own, the vocabulary padded past the tokenizer's tokens).
         */
        public static Spec qwen7b(DType dtype) {
            return new Spec(1152, 4304, 26, 16, 384, 14, 3584, 18944, 28, 28, 4, 152064, 151643, 32768, false, dtype);
        }

        /** The parameters {@link #write} stores. */
        public long parameters() {
            long dv = visionHidden, side = imageSize / patchSize, dt = textHidden, hd = textHidden / textHeads;
            long vision = dv * 3 * patchSize * patchSize + dv + side * side * dv + 2 * dv
                    + visionLayers * (4 * dv + 4 * (dv * dv + dv) + 2L * visionInter * dv + visionInter + dv);
            long projector = dt * dv + dt + dt * dt + dt + dt;
            long layer = 2 * dt + (textHeads * hd * dt + textHeads * hd) + 2 * (kvHeads * hd * dt + kvHeads * hd) + dt * textHeads * hd
                    + 3L * textInter * dt;
            return vision + projector + (long) vocab * dt * (tied ? 1 : 2) + textLayers * layer + dt;
        }

        /** Bytes of the weights file (the tensors; the header adds a few kilobytes). */
        public long bytes() {
            return parameters() * dtype.bytes;
        }
    }

    private RandomCheckpoint() {
    }

    public static void write(Path dir, Spec s, long seed) {
        try {
            Files.createDirectories(dir);
            writeConfig(dir, s);
            writePreprocessor(dir, s);
            writeTokenizer(dir, s);
            writeWeights(dir, s, seed);
            writePoolingHead(dir, s, seed);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write the checkpoint (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Writes the random pooling head of {@code s}'s tower into {@code dir} ({@link SiglipPoolingHead#BESIDE}), through a
     * temporary file moved into place, so that an interrupted write leaves no head rather than half of one.
     */
    public static void writePoolingHead(Path dir, Spec s, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x5eed4eadL);
        int d = s.visionHidden, m = s.visionInter;
        DType dt = s.dtype;
        String p = SiglipPoolingHead.PREFIX;
        SafetensorsWriter w = new SafetensorsWriter();
        w.add(p + "post_layernorm.weight", dt, constant(d, 1f), d);
        w.add(p + "post_layernorm.bias", dt, new float[d], d);
        w.addLazy(p + "head.probe", dt, () -> normal(rnd, d, 1f), 1, 1, d);
        w.addLazy(p + "head.attention.in_proj_weight", dt, () -> normal(rnd, 3L * d * d, (float) (1 / Math.sqrt(d))), 3L * d, d);
        w.addLazy(p + "head.attention.in_proj_bias", dt, () -> normal(rnd, 3L * d, 0.02f), 3L * d);
        linear(w, rnd, dt, p + "head.attention.out_proj", d, d, true);
        w.add(p + "head.layernorm.weight", dt, constant(d, 1f), d);
        w.add(p + "head.layernorm.bias", dt, new float[d], d);
        linear(w, rnd, dt, p + "head.mlp.fc1", m, d, true);
        linear(w, rnd, dt, p + "head.mlp.fc2", d, m, true);
        Path target = dir.resolve(SiglipPoolingHead.BESIDE), tmp = dir.resolve("." + SiglipPoolingHead.BESIDE + ".part");
        try {
            w.write(tmp);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(target + ": cannot write the pooling head (" + e.getMessage() + ")", e);
        }
    }

    static int videoId(Spec s) {
        return s.specialBase + 4;
    }

    private static void writeConfig(Path dir, Spec s) throws IOException {
        ObjectMapper m = new ObjectMapper();
        ObjectNode c = m.createObjectNode();
        c.putArray("architectures").add("LlavaOnevisionForConditionalGeneration");
        c.put("model_type", "llava_onevision");
        c.put("image_token_index", s.specialBase + 3);
        c.put("video_token_index", videoId(s));
        c.put("projector_hidden_act", "gelu");
        c.put("vision_feature_layer", -1);
        c.put("vision_feature_select_strategy", "full");
        c.put("tie_word_embeddings", s.tied);
        ObjectNode t = c.putObject("text_config");
        t.put("model_type", "qwen2").put("hidden_size", s.textHidden).put("intermediate_size", s.textInter)
                .put("num_hidden_layers", s.textLayers).put("num_attention_heads", s.textHeads)
                .put("num_key_value_heads", s.kvHeads).put("vocab_size", s.vocab).put("rope_theta", 1000000.0)
                .put("rms_norm_eps", 1e-6).put("max_position_embeddings", s.maxPositions).put("hidden_act", "silu")
                .put("tie_word_embeddings", s.tied).put("eos_token_id", s.specialBase + 2)
                .put("torch_dtype", s.dtype == DType.BF16 ? "bfloat16" : "float32");
        ObjectNode v = c.putObject("vision_config");
        v.put("model_type", "siglip_vision_model").put("hidden_size", s.visionHidden).put("intermediate_size", s.visionInter)
                .put("num_hidden_layers", s.visionLayers).put("num_attention_heads", s.visionHeads)
                .put("image_size", s.imageSize).put("patch_size", s.patchSize).put("num_channels", 3)
                .put("layer_norm_eps", 1e-6).put("hidden_act", "gelu_pytorch_tanh").put("vision_use_head", false);
        m.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), c);
    }

    private static void writePreprocessor(Path dir, Spec s) throws IOException {
        ObjectMapper m = new ObjectMapper();
        ObjectNode p = m.createObjectNode();
        p.put("do_convert_rgb", true).put("do_resize", true);
        p.putObject("size").put("height", s.imageSize).put("width", s.imageSize);
        p.put("resample", 3).put("do_rescale", true).put("rescale_factor", 1.0 / 255).put("do_normalize", true);
        p.putArray("image_mean").add(0.5).add(0.5).add(0.5);
        p.putArray("image_std").add(0.5).add(0.5).add(0.5);
        m.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("preprocessor_config.json").toFile(), p);
    }

    /** GPT-2's byte-to-unicode table: printable bytes map to themselves, the rest to 256 + n. */
    static String byteChar(int b) {
        if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) return String.valueOf((char) b);
        int n = 0;
        for (int i = 0; i < b; i++)
            if (!((i >= '!' && i <= '~') || (i >= 0xA1 && i <= 0xAC) || (i >= 0xAE && i <= 0xFF))) n++;
        return String.valueOf((char) (256 + n));
    }

    private static void writeTokenizer(Path dir, Spec s) throws IOException {
        writeTokenizer(dir, s.specialBase, new String[]{"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>", "<video>"});
    }

    /** The byte-level tokenizer with the word tokens below {@code specialBase} and {@code specials} from it on. */
    static void writeTokenizer(Path dir, int specialBase, String[] specials) throws IOException {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < specials.length; i++)
            added.addObject().put("id", specialBase + i).put("content", specials[i]).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        root.putObject("normalizer").put("type", "NFC");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Sequence");
        ArrayNode pts = pre.putArray("pretokenizers");
        ObjectNode split = pts.addObject().put("type", "Split");
        split.putObject("pattern").put("Regex",
                "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");
        split.put("behavior", "Isolated").put("invert", false);
        pts.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", false);
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", false);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout").putNull("unk_token").put("continuing_subword_prefix", "")
                .put("end_of_word_suffix", "").put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int b = 0; b < 256; b++) vocab.put(byteChar(b), b);
        ArrayNode merges = model.putArray("merges");
        var words = wordTokens(specialBase);
        for (var e : words.entrySet()) {
            String tok = e.getKey();
            vocab.put(tok, e.getValue());
            merges.add(tok.substring(0, tok.length() - 1) + " " + tok.substring(tok.length() - 1));
        }
        m.writeValue(dir.resolve("tokenizer.json").toFile(), root);
    }

    private static final String[] WORDS = {"the", "a", "video", "shows", "red", "blue", "square", "squares", "moving",
            "moves", "across", "screen", "background", "two", "left", "right", "up", "down", "and", "is", "in", "of",
            "slowly", "color", "scene", "frame", "object", "objects", "green", "bright"};

    /**
     * Whole words (with the byte-level leading-space mark) and every prefix needed to merge up to them, after the
     * 256 byte tokens, so that a random model's output reads as words rather than stray bytes.
     */
    private static final java.util.Set<String> WORDS_SET = java.util.Set.of(WORDS);

    static java.util.LinkedHashMap<String, Integer> wordTokens(Spec s) {
        return wordTokens(s.specialBase);
    }

    static java.util.LinkedHashMap<String, Integer> wordTokens(int specialBase) {
        var out = new java.util.LinkedHashMap<String, Integer>();
        int id = 256;
        for (String w : WORDS) {
            String full = byteChar(' ') + w;
            for (int len = 2; len <= full.length(); len++) {
                String prefix = full.substring(0, len);
                if (!out.containsKey(prefix) && id < specialBase) out.put(prefix, id++);
            }
        }
        return out;
    }

    private static void writeWeights(Path dir, Spec s, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        SafetensorsWriter w = new SafetensorsWriter();
        DType dt = s.dtype;
        int dv = s.visionHidden, dt2 = s.textHidden, side = s.imageSize / s.patchSize;
        String v = "vision_tower.vision_model.";
        w.addLazy(v + "embeddings.patch_embedding.weight", dt, () -> normal(rnd, (long) dv * 3 * s.patchSize * s.patchSize, 0.02f), dv, 3, s.patchSize, s.patchSize);
        w.addLazy(v + "embeddings.patch_embedding.bias", dt, () -> normal(rnd, dv, 0.02f), dv);
        w.addLazy(v + "embeddings.position_embedding.weight", dt, () -> normal(rnd, (long) side * side * dv, 0.02f), (long) side * side, dv);
        for (int i = 0; i < s.visionLayers; i++) {
            String p = v + "encoder.layers." + i + ".";
            for (String ln : new String[]{"layer_norm1", "layer_norm2"}) {
                w.add(p + ln + ".weight", dt, constant(dv, 1f), dv);
                w.addLazy(p + ln + ".bias", dt, () -> normal(rnd, dv, 0.02f), dv);
            }
            for (String proj : new String[]{"q_proj", "k_proj", "v_proj", "out_proj"}) linear(w, rnd, dt, p + "self_attn." + proj, dv, dv, true);
            linear(w, rnd, dt, p + "mlp.fc1", s.visionInter, dv, true);
            linear(w, rnd, dt, p + "mlp.fc2", dv, s.visionInter, true);
        }
        w.add(v + "post_layernorm.weight", dt, constant(dv, 1f), dv);
        w.add(v + "post_layernorm.bias", dt, new float[dv], dv);
        linear(w, rnd, dt, "multi_modal_projector.linear_1", dt2, dv, true);
        linear(w, rnd, dt, "multi_modal_projector.linear_2", dt2, dt2, true);
        w.addLazy("image_newline", dt, () -> normal(rnd, dt2, 0.5f), dt2);
        String l = "language_model.model.";
        w.addLazy(l + "embed_tokens.weight", dt, () -> normal(rnd, (long) s.vocab * dt2, 0.5f), s.vocab, dt2);
        if (!s.tied()) {
            w.addLazy("language_model.lm_head.weight", dt, () -> {
                float[] head = normal(rnd, (long) s.vocab * dt2, (float) (1 / Math.sqrt(dt2)));
                for (var e : wordTokens(s).entrySet()) // whole words get larger rows, so the LM head favours them
                    if (WORDS_SET.contains(e.getKey().substring(1)))
                        for (int i = 0; i < dt2; i++) head[e.getValue() * dt2 + i] *= 6f;
                return head;
            }, s.vocab, dt2);
        }
        int hd = dt2 / s.textHeads;
        for (int i = 0; i < s.textLayers; i++) {
            String p = l + "layers." + i + ".";
            w.add(p + "input_layernorm.weight", dt, constant(dt2, 1f), dt2);
            w.add(p + "post_attention_layernorm.weight", dt, constant(dt2, 1f), dt2);
            linear(w, rnd, dt, p + "self_attn.q_proj", s.textHeads * hd, dt2, true);
            linear(w, rnd, dt, p + "self_attn.k_proj", s.kvHeads * hd, dt2, true);
            linear(w, rnd, dt, p + "self_attn.v_proj", s.kvHeads * hd, dt2, true);
            linear(w, rnd, dt, p + "self_attn.o_proj", dt2, s.textHeads * hd, false);
            linear(w, rnd, dt, p + "mlp.gate_proj", s.textInter, dt2, false);
            linear(w, rnd, dt, p + "mlp.up_proj", s.textInter, dt2, false);
            linear(w, rnd, dt, p + "mlp.down_proj", dt2, s.textInter, false);
        }
        w.add(l + "norm.weight", dt, constant(dt2, 1f), dt2);
        w.write(dir.resolve("model.safetensors"));
    }

    static void linear(SafetensorsWriter w, SplittableRandom rnd, DType dt, String name, int out, int in, boolean bias) {
        w.addLazy(name + ".weight", dt, () -> normal(rnd, (long) out * in, (float) (1 / Math.sqrt(in))), out, in);
        if (bias) w.addLazy(name + ".bias", dt, () -> normal(rnd, out, 0.02f), out);
    }

    static float[] constant(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /** Approximately normal values (sum of uniforms), fast enough for a billion weights. */
    static float[] normal(SplittableRandom rnd, long n, float std) {
        float[] a = new float[Math.toIntExact(n)];
        float k = std * (float) Math.sqrt(6.0); // u1 + u2 - 1 has variance 1/6
        for (int i = 0; i < a.length; i++) a[i] = (float) ((rnd.nextDouble() + rnd.nextDouble() - 1.0) * k);
        return a;
    }
}
