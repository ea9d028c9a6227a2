package dev.dycoke4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Typed reads of one JSON object of a model file, with errors naming the file and the field. */
record JsonFields(Path file, JsonNode node, String prefix) {
    /** The JSON object in {@code file}, or one line saying why there is none. */
    static JsonNode readObject(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file + ": file not found");
        } catch (IOException e) {
            throw new ModelFormatException(file + ": not valid JSON (" + Safetensors.firstLine(e.getMessage()) + ")");
        }
        if (root == null || !root.isObject()) throw new ModelFormatException(file + ": not a JSON object");
        return root;
    }

    int required(String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) throw new ModelFormatException(file + ": missing required field " + prefix + key);
        if (!v.canConvertToInt() || !v.isIntegralNumber()) throw new ModelFormatException(file + ": field " + prefix + key + " must be an integer, got " + v);
        return v.asInt();
    }

    int integer(String key, int dflt) {
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? dflt : required(key);
    }

    double real(String key, double dflt) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isNumber()) throw new ModelFormatException(file + ": field " + prefix + key + " must be a number, got " + v);
        return v.asDouble();
    }

    boolean bool(String key, boolean dflt) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) throw new ModelFormatException(file + ": field " + prefix + key + " must be true or false, got " + v);
        return v.asBoolean();
    }

    String string(String key, String dflt) {
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? dflt : v.asText();
    }
}
