package dev.dycoke4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dycoke4j.hub.ModelFiles;
import dev.dycoke4j.tokenizer.Tokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code dycoke tokenize}: token ids of a text, with the model's tokenizer.json. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Print the token ids of a text.")
final class TokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    static final class Input {
        @Option(names = "--text", paramLabel = "T", description = "The text.")
        String text;

        @Option(names = "--file", paramLabel = "F", description = "A file with one JSON string per line; prints one JSON array of ids per line.")
        Path file;
    }

    @ArgGroup(multiplicity = "1")
    Input input;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws IOException {
        common.apply();
        PrintWriter out = spec.commandLine().getOut();
        Path dir = model.resolve(ModelFiles.Need.TOKENIZER);
        Tokenizer tok = Tokenizer.load(dir.resolve("tokenizer.json"));
        if (input.text != null) {
            out.println(json(tok.encode(input.text)));
            return 0;
        }
        ObjectMapper m = new ObjectMapper();
        try (BufferedReader r = Files.newBufferedReader(input.file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                JsonNode s;
                try {
                    s = m.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new UsageException(input.file + ":" + n + ": not a JSON string");
                }
                if (s == null || !s.isTextual()) throw new UsageException(input.file + ":" + n + ": not a JSON string");
                out.println(json(tok.encode(s.asText())));
            }
        } catch (NoSuchFileException e) {
            throw new UsageException(input.file + ": file not found");
        }
        out.flush();
        return 0;
    }

    static String json(int[] ids) {
        return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]"));
    }
}
