package dev.dycoke4j.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.io.LlavaConfig;
import dev.dycoke4j.io.ModelFamily;
import dev.dycoke4j.io.ModelFormatException;
import dev.dycoke4j.io.Qwen25VlConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a snapshot's config.json is a checkpoint the engine runs, LLaVA-OneVision or Qwen2.5-VL ({@link ModelFamily}
 * decides, as the loaders do); one line naming the model and the supported architectures if not.
 */
final class ModelCheck {
    private ModelCheck() {
    }

    /** Whether config.json is valid JSON naming a family dycoke runs (no error when not). */
    static boolean supported(Path snapshot) {
        if (readable(snapshot.resolve(ModelFiles.CONFIG)) == null) return false;
        try {
            ModelFamily.of(snapshot);
            return true;
        } catch (ModelFormatException e) {
            return false;
        }
    }

    private static JsonNode readable(Path config) {
        try {
            JsonNode root = new ObjectMapper().readTree(Files.readString(config));
            return root != null && root.isObject() ? root : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Checks config.json alone (it is fetched before anything else): the family, then the family's own reading of it.
     *
     * @throws ModelFormatException one line, the repo first, when it is not valid JSON, names an architecture dycoke
     *                              does not run (naming the ones it does), or is a bad config of a supported one
     */
    static void require(ModelRef ref, Path snapshot) {
        Path config = snapshot.resolve(ModelFiles.CONFIG);
        if (readable(config) == null) throw new ModelFormatException(ref + ": config.json is not valid JSON (" + config + ")");
        try {
            if (ModelFamily.of(snapshot) == ModelFamily.LLAVA_ONEVISION) LlavaConfig.load(config);
            else Qwen25VlConfig.load(snapshot);
        } catch (ModelFormatException e) {
            String m = e.getMessage(), prefix = config + ": ";
            throw new ModelFormatException(ref + ": config.json: " + (m.startsWith(prefix) ? m.substring(prefix.length()) : m), e);
        }
    }
}
