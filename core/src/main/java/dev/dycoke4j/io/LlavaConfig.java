package dev.dycoke4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code config.json} of a LLaVA-OneVision checkpoint ({@code LlavaOnevisionConfig}), with fields that are missing
 * defaulted as transformers does. Only what the engine uses is kept.
 */
public record LlavaConfig(
        int imageTokenId,
        int videoTokenId,
        int visionFeatureLayer,
        String visionFeatureSelectStrategy,
        String projectorHiddenAct,
        boolean tieWordEmbeddings,
        TextConfig text,
        VisionConfig vision) {

    /** Qwen2 decoder settings. */
    public record TextConfig(int hiddenSize, int intermediateSize, int numLayers, int numHeads, int numKvHeads,
                             int headDim, int vocabSize, double ropeTheta, double rmsNormEps, int maxPositions,
                             String hiddenAct, List<Integer> eosTokenIds, boolean tieWordEmbeddings) {
    }

    /** SigLIP vision tower settings. */
    public record VisionConfig(int hiddenSize, int intermediateSize, int numLayers, int numHeads, int imageSize,
                               int patchSize, int numChannels, double layerNormEps, String hiddenAct) {
        public int gridSide() {
            return imageSize / patchSize;
        }

        public int numPatches() {
            return gridSide() * gridSide();
        }

        public int headDim() {
            return hiddenSize / numHeads;
        }

        /** Side of the grid after the 2x2 bilinear pooling: ceil(side/2). */
        public int pooledSide() {
            return (gridSide() + 1) / 2;
        }
    }

    public static LlavaConfig load(Path file) {
        return parse(file, JsonFields.readObject(file));
    }

    static LlavaConfig parse(Path file, JsonNode root) {
        String type = root.path("model_type").asText("");
        if (!type.equals("llava_onevision")) {
            String arch = root.path("architectures").path(0).asText(type.isEmpty() ? "(no model_type)" : type);
            throw new ModelFormatException(file + ": unsupported architecture '" + arch
                    + "'; dycoke runs LlavaOnevisionForConditionalGeneration (model_type llava_onevision)");
        }
        JsonFields f = new JsonFields(file, root, "");
        JsonNode tc = root.get("text_config");
        JsonNode vc = root.get("vision_config");
        TextConfig text = parseText(file, tc == null ? defaultTextNode() : tc);
        VisionConfig vision = parseVision(file, vc == null ? defaultVisionNode() : vc);
        boolean tie = f.bool("tie_word_embeddings", text.tieWordEmbeddings());
        int layer = f.integer("vision_feature_layer", -1);
        String strategy = f.string("vision_feature_select_strategy", "full");
        if (!strategy.equals("full") && !strategy.equals("default"))
            throw new ModelFormatException(file + ": vision_feature_select_strategy '" + strategy + "' is not supported");
        if (layer >= 0 ? layer > vision.numLayers() : -layer > vision.numLayers() + 1)
            throw new ModelFormatException(file + ": vision_feature_layer " + layer + " is outside the " + vision.numLayers() + " SigLIP layers");
        return new LlavaConfig(
                f.integer("image_token_index", 151646),
                f.integer("video_token_index", 151647),
                layer, strategy,
                f.string("projector_hidden_act", "gelu"),
                tie, text, vision);
    }

    private static TextConfig parseText(Path file, JsonNode n) {
        JsonFields f = new JsonFields(file, n, "text_config.");
        String type = f.string("model_type", "qwen2");
        if (!type.equals("qwen2"))
            throw new ModelFormatException(file + ": text_config.model_type '" + type + "' is not supported; dycoke runs Qwen2 decoders");
        return parseText(f);
    }

    /** The Qwen2 decoder fields of {@code f}'s object (a LLaVA {@code text_config}, or a Qwen2.5-VL config's top level). */
    static TextConfig parseText(JsonFields f) {
        Path file = f.file();
        JsonNode n = f.node();
        String prefix = f.prefix();
        int hidden = f.required("hidden_size");
        int heads = f.required("num_attention_heads");
        int kv = f.integer("num_key_value_heads", heads);
        int layers = f.required("num_hidden_layers");
        int inter = f.required("intermediate_size");
        int vocab = f.required("vocab_size");
        if (hidden <= 0 || heads <= 0 || kv <= 0 || layers <= 0 || inter <= 0 || vocab <= 0 || hidden % heads != 0 || heads % kv != 0)
            throw new ModelFormatException(file + ": " + (prefix.isEmpty() ? "the text model" : prefix.substring(0, prefix.length() - 1)) + " has inconsistent sizes (hidden " + hidden + ", heads " + heads + ", kv heads " + kv + ")");
        String act = f.string("hidden_act", "silu");
        if (!act.equals("silu")) throw new ModelFormatException(file + ": " + prefix + "hidden_act '" + act + "' is not supported (silu only)");
        List<Integer> eos = new ArrayList<>();
        JsonNode e = n.get("eos_token_id");
        if (e != null && e.isArray()) e.forEach(x -> eos.add(x.asInt()));
        else if (e != null && e.canConvertToInt()) eos.add(e.asInt());
        return new TextConfig(hidden, inter, layers, heads, kv, f.integer("head_dim", hidden / heads), vocab,
                f.real("rope_theta", 10000.0), f.real("rms_norm_eps", 1e-6),
                f.integer("max_position_embeddings", 32768), act, List.copyOf(eos),
                f.bool("tie_word_embeddings", false));
    }

    private static VisionConfig parseVision(Path file, JsonNode n) {
        JsonFields f = new JsonFields(file, n, "vision_config.");
        String type = f.string("model_type", "siglip_vision_model");
        if (!type.equals("siglip_vision_model"))
            throw new ModelFormatException(file + ": vision_config.model_type '" + type + "' is not supported; dycoke runs SigLIP vision towers");
        int hidden = f.integer("hidden_size", 768), heads = f.integer("num_attention_heads", 12);
        int image = f.integer("image_size", 224), patch = f.integer("patch_size", 16);
        if (hidden <= 0 || heads <= 0 || hidden % heads != 0 || patch <= 0 || image < patch)
            throw new ModelFormatException(file + ": vision_config has inconsistent sizes (hidden " + hidden + ", heads " + heads + ", image " + image + ", patch " + patch + ")");
        String act = f.string("hidden_act", "gelu_pytorch_tanh");
        if (!act.equals("gelu_pytorch_tanh") && !act.equals("gelu"))
            throw new ModelFormatException(file + ": vision_config.hidden_act '" + act + "' is not supported");
        return new VisionConfig(hidden, f.integer("intermediate_size", 3072), f.integer("num_hidden_layers", 12), heads,
                image, patch, f.integer("num_channels", 3), f.real("layer_norm_eps", 1e-6), act);
    }

    /** transformers' default text_config for LLaVA-OneVision (Qwen2-7B-like) when config.json has none. */
    private static JsonNode defaultTextNode() {
        ObjectMapper m = new ObjectMapper();
        return m.createObjectNode().put("model_type", "qwen2").put("hidden_size", 4096).put("intermediate_size", 22016)
                .put("num_hidden_layers", 32).put("num_attention_heads", 32).put("num_key_value_heads", 32)
                .put("vocab_size", 151936).put("rope_theta", 10000.0);
    }

    /** transformers' default vision_config for LLaVA-OneVision (SigLIP-so400m, 384 px) when config.json has none. */
    private static JsonNode defaultVisionNode() {
        ObjectMapper m = new ObjectMapper();
        return m.createObjectNode().put("model_type", "siglip_vision_model").put("hidden_size", 1152)
                .put("intermediate_size", 4304).put("patch_size", 14).put("image_size", 384)
                .put("num_hidden_layers", 26).put("num_attention_heads", 16).put("vision_use_head", false);
    }
}
