package dev.dycoke4j.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.io.LlavaConfig;
import dev.dycoke4j.io.ModelFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether a snapshot's config.json is a LLaVA-OneVision checkpoint the engine runs; one line naming the model if not. */
final class LlavaCheck {
    private LlavaCheck() {
    }

    /** The model_type in config.json, or null when it cannot be read. */
    static String modelType(Path config) {
        try {
            JsonNode root = new ObjectMapper().readTree(Files.readString(config));
            return root == null ? null : root.path("model_type").asText("");
        } catch (IOException e) {
            return null;
        }
    }

    static void require(ModelRef ref, Path snapshot) {
        Path config = snapshot.resolve(ModelFiles.CONFIG);
        String type = modelType(config);
        if (type == null) throw new ModelFormatException(ref + ": config.json is not valid JSON (" + config + ")");
        if (!type.equals("llava_onevision"))
            throw new ModelFormatException(ref + ": not a LLaVA-OneVision checkpoint (config.json has model_type '" + type
                    + "'); dycoke runs LlavaOnevisionForConditionalGeneration (model_type llava_onevision)");
        try {
            LlavaConfig.load(config);
        } catch (ModelFormatException e) {
            String m = e.getMessage(), prefix = config + ": ";
            throw new ModelFormatException(ref + ": config.json: " + (m.startsWith(prefix) ? m.substring(prefix.length()) : m), e);
        }
    }
}
