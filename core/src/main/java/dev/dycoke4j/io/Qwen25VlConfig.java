package dev.dycoke4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dycoke4j.io.LlavaConfig.TextConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The language side of a Qwen2.5-VL checkpoint's {@code config.json} ({@code Qwen2_5_VLConfig}) and its
 * {@code generation_config.json}: the Qwen2 decoder (the same {@link TextConfig} LLaVA-OneVision's decoder reads),
 * M-RoPE's {@code mrope_section}, the vision marker token ids and the stop tokens. The hub checkpoints keep the text
 * fields at the top level; transformers 5.x may nest them in {@code text_config}, which is read when present. The
 * vision tower's own settings are read elsewhere; only {@code vision_config.tokens_per_second}, which places video
 * tokens on the temporal position axis, is kept here.
 *
 * @param text               the decoder; its {@code eosTokenIds} are the generation config's stop tokens
 * @param mropeSection       how many of the head_dim/2 rotary frequencies take the temporal, height and width
 *                           position, in that order (they add up to head_dim/2)
 * @param tokensPerSecond    temporal positions per second of video
 */
public record Qwen25VlConfig(
        TextConfig text,
        int[] mropeSection,
        int imageTokenId,
        int videoTokenId,
        int visionStartTokenId,
        int visionEndTokenId,
        double tokensPerSecond) {

    /** The {@code architectures} value this config describes. */
    public static final String ARCHITECTURE = "Qwen2_5_VLForConditionalGeneration";
    /** Every architecture dycoke runs, for the one line an unsupported checkpoint gets. */
    public static final List<String> SUPPORTED = List.of("LlavaOnevisionForConditionalGeneration", ARCHITECTURE);

    public Qwen25VlConfig {
        mropeSection = mropeSection.clone();
    }

    @Override
    public int[] mropeSection() {
        return mropeSection.clone();
    }

    /**
     * Reads {@code dir/config.json} and, when there is one, {@code dir/generation_config.json} (whose
     * {@code eos_token_id}, an id or a list, replaces the config's).
     */
    public static Qwen25VlConfig load(Path dir) {
        Path file = dir.resolve("config.json");
        Path gen = dir.resolve("generation_config.json");
        return parse(file, JsonFields.readObject(file), Files.isRegularFile(gen) ? new JsonFields(gen, JsonFields.readObject(gen), "") : null);
    }

    static Qwen25VlConfig parse(Path file, JsonNode root, JsonFields generation) {
        String arch = root.path("architectures").path(0).asText(root.path("model_type").asText(""));
        if (!arch.equals(ARCHITECTURE) && !(arch.equals("qwen2_5_vl") && !root.has("architectures")))
            throw new ModelFormatException(file + ": unsupported architecture '" + (arch.isEmpty() ? "(none given)" : arch)
                    + "'; dycoke runs " + String.join(" and ", SUPPORTED));
        JsonFields top = new JsonFields(file, root, "");
        JsonNode nested = root.get("text_config");
        JsonFields tf = nested != null && nested.isObject() ? new JsonFields(file, nested, "text_config.") : top;
        TextConfig parsed = LlavaConfig.parseText(tf);
        JsonFields rope = ropeFields(tf);
        int[] section = mropeSection(rope, parsed.headDim());
        double theta = tf.node().has("rope_theta") ? parsed.ropeTheta() : rope.real("rope_theta", parsed.ropeTheta());
        List<Integer> eos = generation != null && generation.node().has("eos_token_id") ? eos(generation) : parsed.eosTokenIds();
        boolean tie = tf.bool("tie_word_embeddings", top.bool("tie_word_embeddings", false));
        TextConfig text = new TextConfig(parsed.hiddenSize(), parsed.intermediateSize(), parsed.numLayers(), parsed.numHeads(),
                parsed.numKvHeads(), parsed.headDim(), parsed.vocabSize(), theta, parsed.rmsNormEps(), parsed.maxPositions(),
                parsed.hiddenAct(), eos, tie);
        JsonNode vc = root.get("vision_config");
        double tps = vc == null ? 4.0 : new JsonFields(file, vc, "vision_config.").real("tokens_per_second", 4.0); // the class default
        if (!(tps > 0)) throw new ModelFormatException(file + ": vision_config.tokens_per_second must be positive, got " + tps);
        return new Qwen25VlConfig(text, section,
                top.integer("image_token_id", 151655), top.integer("video_token_id", 151656),
                top.integer("vision_start_token_id", 151652), top.integer("vision_end_token_id", 151653), tps);
    }

    /** {@code rope_scaling} (transformers 4.x) or {@code rope_parameters} (5.x), which must be M-RoPE. */
    private static JsonFields ropeFields(JsonFields tf) {
        for (String key : new String[] {"rope_scaling", "rope_parameters"}) {
            JsonNode n = tf.node().get(key);
            if (n != null && n.isObject()) {
                JsonFields f = new JsonFields(tf.file(), n, tf.prefix() + key + ".");
                String type = f.string("rope_type", f.string("type", "default"));
                // transformers rewrites "mrope" to "default" on load and keeps mrope_section: both mean M-RoPE here
                if (!type.equals("mrope") && !type.equals("default"))
                    throw new ModelFormatException(tf.file() + ": " + tf.prefix() + key + " type '" + type + "' is not supported (mrope only)");
                return f;
            }
        }
        throw new ModelFormatException(tf.file() + ": missing required field " + tf.prefix() + "rope_scaling (with mrope_section)");
    }

    private static int[] mropeSection(JsonFields rope, int headDim) {
        JsonNode s = rope.node().get("mrope_section");
        String name = rope.prefix() + "mrope_section";
        if (s == null || s.isNull()) throw new ModelFormatException(rope.file() + ": missing required field " + name);
        if (!s.isArray() || s.size() != 3) throw new ModelFormatException(rope.file() + ": field " + name + " must be a list of 3 integers, got " + s);
        int[] section = new int[3];
        int sum = 0;
        for (int i = 0; i < 3; i++) {
            JsonNode v = s.get(i);
            if (!v.isIntegralNumber() || v.asInt() < 0) throw new ModelFormatException(rope.file() + ": field " + name + " must be a list of 3 integers, got " + s);
            section[i] = v.asInt();
            sum += section[i];
        }
        if (sum != headDim / 2)
            throw new ModelFormatException(rope.file() + ": field " + name + " " + Arrays.toString(section) + " must add up to head_dim/2 = " + headDim / 2);
        return section;
    }

    private static List<Integer> eos(JsonFields g) {
        JsonNode e = g.node().get("eos_token_id");
        List<Integer> ids = new ArrayList<>();
        if (e.isIntegralNumber()) ids.add(e.asInt());
        else if (e.isArray()) {
            for (JsonNode x : e) {
                if (!x.isIntegralNumber()) throw new ModelFormatException(g.file() + ": field eos_token_id must be an id or a list of ids, got " + e);
                ids.add(x.asInt());
            }
        } else throw new ModelFormatException(g.file() + ": field eos_token_id must be an id or a list of ids, got " + e);
        return List.copyOf(ids);
    }
}
