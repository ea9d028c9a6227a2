package dev.dycoke4j.peer.jlama;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dycoke4j.io.Checkpoint;
import dev.dycoke4j.io.LlavaConfig;
import dev.dycoke4j.io.ModelFormatException;
import dev.dycoke4j.io.SafetensorsWriter;
import dev.dycoke4j.tensor.DType;
import dev.dycoke4j.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The language model of a LLaVA-OneVision checkpoint as a plain Hugging Face {@code Qwen2ForCausalLM} directory, the
 * layout Jlama loads: {@code config.json} (model_type qwen2), {@code model.safetensors} with the {@code model.*} names
 * and the very same values in the same dtype, and the checkpoint's {@code tokenizer.json}. Written once and reused
 * while the source is unchanged (a marker records the source's path, size and time).
 */
final class JlamaLayout {
    private JlamaLayout() {
    }

    /** {@code target} holding the Qwen2 layout of {@code source}, written now unless already there for this source. */
    static Path ensure(Path source, Path target) throws IOException {
        String stamp = stamp(source);
        Path marker = target.resolve(".complete");
        if (Files.exists(marker) && Files.readString(marker).equals(stamp)) return target;
        Files.deleteIfExists(marker);
        write(source, target);
        Files.writeString(marker, stamp);
        return target;
    }

    private static String stamp(Path source) throws IOException {
        StringBuilder sb = new StringBuilder(source.toAbsolutePath().normalize().toString()).append('\n');
        try (var files = Files.list(source)) {
            for (Path p : files.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList())
                sb.append(p.getFileName()).append(' ').append(Files.size(p)).append(' ').append(Files.getLastModifiedTime(p).toMillis()).append('\n');
        }
        return sb.toString();
    }

    static void write(Path source, Path target) throws IOException {
        LlavaConfig cfg = LlavaConfig.load(source.resolve("config.json"));
        LlavaConfig.TextConfig t = cfg.text();
        Path tokenizer = source.resolve("tokenizer.json");
        if (!Files.isRegularFile(tokenizer)) throw new ModelFormatException(source + ": no tokenizer.json (Jlama needs one)");
        Files.createDirectories(target);
        boolean tied = cfg.tieWordEmbeddings() || t.tieWordEmbeddings();
        try (Checkpoint ck = Checkpoint.open(source)) {
            SafetensorsWriter w = new SafetensorsWriter();
            String l = "language_model.model.";
            copy(w, ck, l + "embed_tokens.weight", "model.embed_tokens.weight");
            for (int i = 0; i < t.numLayers(); i++) {
                String p = "layers." + i + ".";
                for (String n : new String[] {"input_layernorm.weight", "post_attention_layernorm.weight", "self_attn.q_proj.weight",
                        "self_attn.q_proj.bias", "self_attn.k_proj.weight", "self_attn.k_proj.bias", "self_attn.v_proj.weight",
                        "self_attn.v_proj.bias", "self_attn.o_proj.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight"})
                    copy(w, ck, l + p + n, "model." + p + n);
            }
            copy(w, ck, l + "norm.weight", "model.norm.weight");
            boolean head = ck.has("language_model.lm_head.weight");
            if (head) copy(w, ck, "language_model.lm_head.weight", "lm_head.weight");
            else if (!tied) throw new ModelFormatException(source + ": missing tensor 'language_model.lm_head.weight' (and tie_word_embeddings is false)");
            w.write(target.resolve("model.safetensors"));
            writeConfig(target, t, tied && !head, ck.weight(l + "embed_tokens.weight").dtype());
        }
        Files.copy(tokenizer, target.resolve("tokenizer.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** The tensor under a new name; widening BF16/F16 to floats and narrowing back is exact, so the values are equal. */
    private static void copy(SafetensorsWriter w, Checkpoint ck, String from, String to) {
        Tensor src = ck.weight(from);
        w.addLazy(to, src.dtype(), src::toFloatArray, src.shape());
    }

    /** Jlama's config wants one end id (we feed ids and ignore stops, so any valid one will do). */
    private static int eos(LlavaConfig.TextConfig t) {
        return t.eosTokenIds().isEmpty() ? 0 : t.eosTokenIds().getFirst();
    }

    private static void writeConfig(Path dir, LlavaConfig.TextConfig t, boolean tied, DType dtype) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode c = m.createObjectNode();
        c.putArray("architectures").add("Qwen2ForCausalLM");
        c.put("model_type", "qwen2").put("hidden_size", t.hiddenSize()).put("intermediate_size", t.intermediateSize())
                .put("num_hidden_layers", t.numLayers()).put("num_attention_heads", t.numHeads())
                .put("num_key_value_heads", t.numKvHeads()).put("vocab_size", t.vocabSize()).put("rope_theta", t.ropeTheta())
                .put("rms_norm_eps", t.rmsNormEps()).put("max_position_embeddings", t.maxPositions()).put("hidden_act", t.hiddenAct())
                .put("tie_word_embeddings", tied).put("bos_token_id", eos(t))
                .put("eos_token_id", eos(t))
                .put("torch_dtype", switch (dtype) {
                    case BF16 -> "bfloat16";
                    case F16 -> "float16";
                    default -> "float32";
                });
        try {
            m.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), c);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write config.json (" + e.getMessage() + ")", e);
        }
    }
}
