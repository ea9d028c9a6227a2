package dev.dycoke4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.dycoke4j.eval.Replay;
import dev.dycoke4j.eval.Tasks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code dycoke eval replay --cases FILE.jsonl}: runs every record of a file in the eval oracle's format (except its
 * {@code meta} line) through the tasks and prints one JSON line per record, {@code {"id": ..., "got": ...}} or
 * {@code {"id": ..., "error": "<Python exception type>"}}. Judge scripts are served from a fake endpoint on 127.0.0.1.
 * Nothing is printed until every record has run, so bad input prints nothing but its one problem line.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Replay eval-oracle records (prompts, parses, judge requests and replies, aggregates) and print what each gives.")
final class EvalReplayCommand implements Callable<Integer> {
    private static final Set<String> KINDS = Set.of("meta", "prompt", "parse", "judge_request", "judge_parse", "aggregate");
    private static final ObjectMapper JSON = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--cases", required = true, paramLabel = "FILE.jsonl", description = "A file of eval-oracle records (JSON Lines).")
    Path cases;

    @Override
    public Integer call() throws IOException {
        common.apply();
        PrintWriter out = spec.commandLine().getOut();
        List<String> lines = new ArrayList<>();
        for (JsonNode r : read(cases)) if (!Replay.isMeta(r)) lines.add(JSON.writeValueAsString(Replay.run(r).toJson()));
        lines.forEach(out::println);
        out.flush();
        return 0;
    }

    /** The records, each checked: a JSON object with an id, a known kind and (but for meta) a known task. */
    static List<JsonNode> read(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new UsageException(file + ": is a directory, not a cases file");
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UsageException(file + ": cases file not found");
        } catch (MalformedInputException e) {
            throw new IllegalArgumentException(file + ": not UTF-8 text");
        }
        List<JsonNode> records = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) continue;
            String where = file + ":" + (i + 1);
            JsonNode r;
            try {
                r = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(where + ": not valid JSON (" + e.getOriginalMessage() + ")");
            }
            if (r == null || !r.isObject()) throw new IllegalArgumentException(where + ": a record must be a JSON object");
            if (!r.path("id").isTextual()) throw new IllegalArgumentException(where + ": the record has no \"id\"");
            String kind = r.path("kind").asText(null);
            if (kind == null || !KINDS.contains(kind))
                throw new IllegalArgumentException(where + ": unknown kind '" + r.path("kind").asText("") + "' (known: " + String.join(", ", KINDS.stream().sorted().toList()) + ")");
            if (!kind.equals("meta") && !Tasks.names().contains(r.path("task").asText("")))
                throw new IllegalArgumentException(where + ": unknown task '" + r.path("task").asText("") + "'");
            records.add(r);
        }
        return records;
    }
}
