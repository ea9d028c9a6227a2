package dev.dycoke4j.peer.llamacpp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.io.Checkpoint;
import dev.dycoke4j.io.LlavaConfig;
import dev.dycoke4j.io.ModelFormatException;
import dev.dycoke4j.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The language model of a LLaVA-OneVision checkpoint as a llama.cpp {@code qwen2} GGUF: the metadata keys of
 * llama.cpp's converter for Qwen2, its GPT-2 style BPE vocabulary from the checkpoint's {@code tokenizer.json} (padded
 * to the embedding's rows, as the converter pads), and the same weight values, matrices in {@link Precision#F16 F16} or
 * {@link Precision#Q8_0 Q8_0}, norms and biases in F32 (as the converter keeps them). Written once per precision and
 * reused while the source is unchanged (a marker records the source's path, size and time).
 */
final class GgufLayout {
    /**
     * How the matrices are stored: F16 (BF16's 8-bit mantissa fits F16's 11 bits, so every BF16 value of magnitude in
     * F16's normal range, 6.1e-5 to 65504, is kept exactly; llama.cpp's converter narrows the same way) or Q8_0.
     */
    enum Precision {
        F16(GgufWriter.Type.F16, 1), Q8_0(GgufWriter.Type.Q8_0, 7);

        final GgufWriter.Type type;
        /** {@code general.file_type}: llama.cpp's {@code LLAMA_FTYPE_MOSTLY_F16} / {@code _Q8_0}. */
        final int fileType;

        Precision(GgufWriter.Type type, int fileType) {
            this.type = type;
            this.fileType = fileType;
        }

        String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** llama.cpp's {@code llama_token_type}. */
    static final int NORMAL = 1, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5;

    private static final String LM = "language_model.model.";

    private GgufLayout() {
    }

    /** {@code dir/model-<precision>.gguf} for {@code source}, written now unless already there for this source. */
    static Path ensure(Path source, Path dir, Precision p) throws IOException {
        Path file = dir.resolve("model-" + p.id() + ".gguf");
        Path marker = dir.resolve(".complete-" + p.id());
        String stamp = stamp(source);
        if (Files.exists(marker) && Files.exists(file) && Files.readString(marker).equals(stamp)) return file;
        Files.deleteIfExists(marker);
        Files.createDirectories(dir);
        write(source, file, p);
        Files.writeString(marker, stamp);
        return file;
    }

    private static String stamp(Path source) throws IOException {
        StringBuilder sb = new StringBuilder(source.toAbsolutePath().normalize().toString()).append('\n');
        try (var files = Files.list(source)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).sorted().toList())
                sb.append(f.getFileName()).append(' ').append(Files.size(f)).append(' ').append(Files.getLastModifiedTime(f).toMillis()).append('\n');
        }
        return sb.toString();
    }

    static void write(Path source, Path file, Precision p) throws IOException {
        LlavaConfig cfg = LlavaConfig.load(source.resolve("config.json"));
        LlavaConfig.TextConfig t = cfg.text();
        Path tokenizer = source.resolve("tokenizer.json");
        if (!Files.isRegularFile(tokenizer)) throw new ModelFormatException(source + ": no tokenizer.json (llama.cpp needs one)");
        if (t.headDim() * t.numHeads() != t.hiddenSize())
            throw new ModelFormatException(source + ": head_dim " + t.headDim() + " times " + t.numHeads() + " heads is not hidden_size " + t.hiddenSize() + " (llama.cpp's qwen2 needs it)");
        GgufWriter w = new GgufWriter();
        String a = "qwen2.";
        int eos = t.eosTokenIds().isEmpty() ? 0 : t.eosTokenIds().getFirst();
        w.putString("general.architecture", "qwen2").putString("general.name", source.getFileName().toString())
                .putUint32("general.file_type", p.fileType).putUint32("general.alignment", GgufWriter.ALIGNMENT)
                .putUint32(a + "context_length", t.maxPositions()).putUint32(a + "embedding_length", t.hiddenSize())
                .putUint32(a + "block_count", t.numLayers()).putUint32(a + "feed_forward_length", t.intermediateSize())
                .putUint32(a + "attention.head_count", t.numHeads()).putUint32(a + "attention.head_count_kv", t.numKvHeads())
                .putFloat32(a + "rope.freq_base", (float) t.ropeTheta())
                .putFloat32(a + "attention.layer_norm_rms_epsilon", (float) t.rmsNormEps());
        Vocab v = Vocab.read(tokenizer, t.vocabSize());
        w.putString("tokenizer.ggml.model", "gpt2").putString("tokenizer.ggml.pre", "qwen2")
                .putStrings("tokenizer.ggml.tokens", v.tokens()).putInt32s("tokenizer.ggml.token_type", v.types())
                .putStrings("tokenizer.ggml.merges", v.merges())
                .putUint32("tokenizer.ggml.bos_token_id", eos).putUint32("tokenizer.ggml.eos_token_id", eos)
                .putUint32("tokenizer.ggml.padding_token_id", eos).putBool("tokenizer.ggml.add_bos_token", false);
        boolean tied = cfg.tieWordEmbeddings() || t.tieWordEmbeddings();
        try (Checkpoint ck = Checkpoint.open(source)) {
            matrix(w, ck, LM + "embed_tokens.weight", "token_embd.weight", p);
            for (int i = 0; i < t.numLayers(); i++) {
                String from = LM + "layers." + i + ".", to = "blk." + i + ".";
                vector(w, ck, from + "input_layernorm.weight", to + "attn_norm.weight");
                for (String qkv : new String[] {"q", "k", "v"}) {
                    matrix(w, ck, from + "self_attn." + qkv + "_proj.weight", to + "attn_" + qkv + ".weight", p);
                    vector(w, ck, from + "self_attn." + qkv + "_proj.bias", to + "attn_" + qkv + ".bias");
                }
                matrix(w, ck, from + "self_attn.o_proj.weight", to + "attn_output.weight", p);
                vector(w, ck, from + "post_attention_layernorm.weight", to + "ffn_norm.weight");
                matrix(w, ck, from + "mlp.gate_proj.weight", to + "ffn_gate.weight", p);
                matrix(w, ck, from + "mlp.up_proj.weight", to + "ffn_up.weight", p);
                matrix(w, ck, from + "mlp.down_proj.weight", to + "ffn_down.weight", p);
            }
            vector(w, ck, LM + "norm.weight", "output_norm.weight");
            // a tied head is no tensor of its own: llama.cpp's qwen2 then uses token_embd
            if (ck.has("language_model.lm_head.weight")) matrix(w, ck, "language_model.lm_head.weight", "output.weight", p);
            else if (!tied) throw new ModelFormatException(source + ": missing tensor 'language_model.lm_head.weight' (and tie_word_embeddings is false)");
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            w.write(tmp);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** A PyTorch {@code [out, in]} weight: ggml dimensions {@code {in, out}}, row {@code r} = output {@code r}. */
    private static void matrix(GgufWriter w, Checkpoint ck, String from, String to, Precision p) {
        Tensor src = ck.weight(from);
        if (src.rank() != 2) throw new ModelFormatException(from + ": expected a matrix, got shape " + Arrays.toString(src.shape()));
        w.addTensor(to, new long[] {src.dim(1), src.dim(0)}, p.type, rows(src, src.dim(1)));
    }

    private static void vector(GgufWriter w, Checkpoint ck, String from, String to) {
        Tensor src = ck.weight(from);
        w.addTensor(to, new long[] {src.numel()}, GgufWriter.Type.F32, rows(src, src.numel()));
    }

    private static GgufWriter.Rows rows(Tensor src, long width) {
        return (r, dst) -> {
            long base = r * width;
            for (int j = 0; j < dst.length; j++) dst[j] = src.getFloat(base + j);
        };
    }

    /** The BPE vocabulary as GGUF lists: one token per id up to {@code size}, the ids no token has as {@code [PAD<id>]}. */
    record Vocab(List<String> tokens, int[] types, List<String> merges) {
        static Vocab read(Path tokenizerJson, int size) throws IOException {
            JsonNode root = new ObjectMapper().readTree(tokenizerJson.toFile());
            JsonNode model = root.path("model");
            if (!"BPE".equals(model.path("type").asText()))
                throw new ModelFormatException(tokenizerJson + ": a " + model.path("type").asText("?") + " tokenizer; llama.cpp's gpt2 vocabulary needs BPE");
            String[] tokens = new String[size];
            int[] types = new int[size];
            for (var e : model.path("vocab").properties()) put(tokens, types, e.getValue().asInt(), e.getKey(), NORMAL, tokenizerJson);
            for (JsonNode at : root.path("added_tokens"))
                put(tokens, types, at.path("id").asInt(), at.path("content").asText(), at.path("special").asBoolean() ? CONTROL : USER_DEFINED, tokenizerJson);
            for (int i = 0; i < size; i++) {
                if (tokens[i] == null) {
                    tokens[i] = "[PAD" + i + "]";
                    types[i] = UNUSED;
                }
            }
            List<String> merges = new ArrayList<>();
            for (JsonNode m : model.path("merges"))
                merges.add(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText());
            return new Vocab(List.of(tokens), types, merges);
        }

        private static void put(String[] tokens, int[] types, int id, String token, int type, Path file) {
            if (id < 0 || id >= tokens.length)
                throw new ModelFormatException(file + ": token id " + id + " ('" + token + "') is outside the model's vocabulary of " + tokens.length);
            tokens[id] = token;
            types[id] = type;
        }
    }
}
