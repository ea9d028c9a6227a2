package dev.dycoke4j.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The files the engine needs from a repo, and whether a snapshot folder has them all. {@link Need#MODEL} is
 * everything {@code run} loads; {@link Need#TOKENIZER} is what {@code tokenize} needs (with config.json, to check the
 * model type).
 */
public final class ModelFiles {
    /** Which part of a checkpoint a command needs. */
    public enum Need { MODEL, TOKENIZER }

    static final String CONFIG = "config.json";
    static final String INDEX = "model.safetensors.index.json";
    static final String SINGLE = "model.safetensors";
    static final List<String> REQUIRED = List.of(CONFIG, "tokenizer.json");
    static final List<String> MODEL_OPTIONAL = List.of("preprocessor_config.json", "video_preprocessor_config.json", "generation_config.json", "tokenizer_config.json", "special_tokens_map.json");
    static final List<String> TOKENIZER_OPTIONAL = List.of("tokenizer_config.json", "special_tokens_map.json");

    private ModelFiles() {
    }

    /** The repo's files to fetch, config.json first: the JSON files above and the top-level safetensors with their index. */
    public static List<String> select(List<String> repoFiles, Need need) {
        Set<String> present = Set.copyOf(repoFiles);
        List<String> out = new ArrayList<>();
        for (String f : REQUIRED) if (present.contains(f)) out.add(f);
        for (String f : need == Need.MODEL ? MODEL_OPTIONAL : TOKENIZER_OPTIONAL) if (present.contains(f)) out.add(f);
        if (need == Need.MODEL) {
            if (present.contains(INDEX)) out.add(INDEX);
            new TreeSet<>(repoFiles).stream().filter(f -> f.endsWith(".safetensors") && !f.contains("/")).forEach(out::add);
        }
        return out;
    }

    /** Optional files the repo lacks, which the cache records under .no_exist. */
    public static List<String> absent(List<String> repoFiles, Need need) {
        Set<String> present = Set.copyOf(repoFiles);
        return (need == Need.MODEL ? MODEL_OPTIONAL : TOKENIZER_OPTIONAL).stream().filter(f -> !present.contains(f)).toList();
    }

    /** The first file the engine needs that the snapshot lacks (a dangling link counts as missing), or null when none. */
    public static String firstMissing(Path snapshot, Need need) {
        for (String f : REQUIRED) if (!Files.isRegularFile(snapshot.resolve(f))) return f;
        if (need == Need.TOKENIZER) return null;
        Path index = snapshot.resolve(INDEX);
        if (Files.isRegularFile(index)) {
            try {
                JsonNode map = new ObjectMapper().readTree(index.toFile()).get("weight_map");
                if (map == null || !map.isObject()) return INDEX;
                TreeSet<String> shards = new TreeSet<>();
                map.properties().forEach(e -> shards.add(e.getValue().asText()));
                for (String s : shards) if (!Files.isRegularFile(snapshot.resolve(s))) return s;
                return null;
            } catch (IOException e) {
                return INDEX;
            }
        }
        return Files.isRegularFile(snapshot.resolve(SINGLE)) ? null : SINGLE;
    }
}
