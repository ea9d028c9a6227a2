package dev.dycoke4j.eval.run;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dycoke4j.eval.PyJson;
import dev.dycoke4j.eval.data.EvalSample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Samples as JSON Lines, one object a line: {@code task}, {@code doc_id}, {@code doc} (the dataset row) and
 * {@code video} (a path, relative to the file's folder unless absolute; a file that does not exist gives a sample
 * without a video).
 */
public final class SamplesFile {
    private SamplesFile() {
    }

    @SuppressWarnings("unchecked")
    public static List<EvalSample> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": samples file not found");
        } catch (MalformedInputException e) {
            throw new IllegalArgumentException(file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        Path base = file.toAbsolutePath().getParent();
        List<EvalSample> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            String where = file + ":" + (i + 1);
            JsonNode n;
            try {
                n = JsonLog.JSON.readTree(lines.get(i));
            } catch (JacksonException e) {
                throw new IllegalArgumentException(where + ": not valid JSON (" + e.getOriginalMessage() + ")");
            }
            if (n == null || !n.isObject()) throw new IllegalArgumentException(where + ": a sample must be a JSON object");
            if (!n.path("task").isTextual()) throw new IllegalArgumentException(where + ": the sample has no text field \"task\"");
            if (!n.path("doc_id").canConvertToInt() || n.path("doc_id").asInt() < 0) throw new IllegalArgumentException(where + ": the sample has no \"doc_id\" (an int >= 0)");
            if (!n.path("doc").isObject()) throw new IllegalArgumentException(where + ": the sample has no \"doc\" object");
            if (!n.path("video").isTextual()) throw new IllegalArgumentException(where + ": the sample has no text field \"video\"");
            Path video = base.resolve(n.get("video").asText());
            out.add(new EvalSample(n.get("task").asText(), n.get("doc_id").asInt(), (Map<String, Object>) PyJson.fromJson(n.get("doc")),
                    Files.exists(video) ? video : null));
        }
        return out;
    }
}
