package dev.dycoke4j.io;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;

/**
 * Which model family a checkpoint is, from its {@code config.json}: what decides which pipeline loads it. The rules are
 * the ones each family's config reader applies ({@code model_type} for LLaVA-OneVision, {@code architectures} for
 * Qwen2.5-VL), so a checkpoint is routed to the reader that accepts it.
 */
public enum ModelFamily {
    LLAVA_ONEVISION, QWEN25_VL;

    /**
     * The family of the checkpoint in {@code dir}.
     *
     * @throws ModelFormatException when {@code config.json} is missing or unreadable, or names an architecture dycoke
     *                              does not run (the message names the ones it does)
     */
    public static ModelFamily of(Path dir) {
        Path file = dir.resolve("config.json");
        JsonNode root = JsonFields.readObject(file);
        String type = root.path("model_type").asText("");
        if (type.equals("llava_onevision")) return LLAVA_ONEVISION;
        String arch = root.path("architectures").path(0).asText("");
        if (arch.equals(Qwen25VlConfig.ARCHITECTURE) || (arch.isEmpty() && type.equals("qwen2_5_vl"))) return QWEN25_VL;
        String named = !arch.isEmpty() ? arch : type.isEmpty() ? "(no model_type)" : type;
        throw new ModelFormatException(file + ": unsupported architecture '" + named + "'; dycoke runs "
                + String.join(" and ", Qwen25VlConfig.SUPPORTED));
    }
}
