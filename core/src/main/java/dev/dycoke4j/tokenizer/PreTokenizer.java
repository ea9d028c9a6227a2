package dev.dycoke4j.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The {@code pre_tokenizer} section of tokenizer.json, in the forms Qwen2 files use: a {@code Sequence} of
 * {@code Split} steps (regex or literal pattern, behaviour {@code Isolated}) ending with a {@code ByteLevel} step
 * without prefix space. The ByteLevel step's byte to character mapping is done by {@link Bpe}, which works on bytes.
 *
 * <p>HF compiles split regexes with Oniguruma; they are compiled here with {@link Pattern#UNICODE_CHARACTER_CLASS}, so
 * that {@code \s} is Unicode White_Space (e.g. U+00A0, U+0085, U+2028, U+3000) and {@code (?i)} folds Unicode case,
 * as in Oniguruma.
 */
final class PreTokenizer {
    /** GPT-2's split, applied by a ByteLevel pre-tokenizer with {@code use_regex: true}. */
    private static final String GPT2_PATTERN =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    private final List<Pattern> splits;

    private PreTokenizer(List<Pattern> splits) {
        this.splits = List.copyOf(splits);
    }

    /**
     * Reads the section.
     *
     * @throws IllegalArgumentException for a form this class does not implement, or a bad pattern
     */
    static PreTokenizer fromJson(JsonNode node) {
        if (node == null || node.isNull()) {
            throw new IllegalArgumentException("no pre_tokenizer (a ByteLevel pre-tokenizer is required)");
        }
        List<JsonNode> steps = new ArrayList<>();
        if ("Sequence".equals(node.path("type").asText())) {
            node.path("pretokenizers").forEach(steps::add);
        } else {
            steps.add(node);
        }
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("unsupported pre_tokenizer: it must end with a ByteLevel step");
        }
        List<Pattern> splits = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            JsonNode step = steps.get(i);
            String type = step.path("type").asText("");
            boolean last = i == steps.size() - 1;
            switch (type) {
                case "Split" -> splits.add(split(step));
                case "ByteLevel" -> {
                    if (!last) {
                        throw new IllegalArgumentException("unsupported pre_tokenizer: ByteLevel must be the last step");
                    }
                    if (step.path("add_prefix_space").asBoolean(false)) {
                        throw new IllegalArgumentException("unsupported pre_tokenizer: ByteLevel add_prefix_space true");
                    }
                    if (step.path("use_regex").asBoolean(true)) {
                        splits.add(compile(GPT2_PATTERN));
                    }
                }
                default -> throw new IllegalArgumentException("unsupported pre_tokenizer type '" + type + "'");
            }
            if (last && !"ByteLevel".equals(type)) {
                throw new IllegalArgumentException("unsupported pre_tokenizer: it must end with a ByteLevel step");
            }
        }
        return new PreTokenizer(splits);
    }

    private static Pattern split(JsonNode step) {
        String behavior = step.path("behavior").asText("");
        if (!"Isolated".equals(behavior)) {
            throw new IllegalArgumentException("unsupported Split behavior '" + behavior + "' (only Isolated)");
        }
        if (step.path("invert").asBoolean(false)) {
            throw new IllegalArgumentException("unsupported Split with invert true");
        }
        JsonNode pattern = step.path("pattern");
        if (pattern.has("Regex")) {
            return compile(pattern.get("Regex").asText());
        }
        if (pattern.has("String")) {
            return Pattern.compile(Pattern.quote(pattern.get("String").asText()));
        }
        throw new IllegalArgumentException("Split pattern is neither Regex nor String");
    }

    private static Pattern compile(String regex) {
        try {
            return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("bad Split regex: " + e.getDescription(), e);
        }
    }

    /** Passes each piece of {@code text}, in order, to {@code sink}; no piece is empty. */
    void split(String text, Consumer<String> sink) {
        split(text, 0, sink);
    }

    private void split(String text, int step, Consumer<String> sink) {
        if (text.isEmpty()) {
            return;
        }
        if (step == splits.size()) {
            sink.accept(text);
            return;
        }
        // Isolated: every match is a piece, and so is every stretch between matches.
        Matcher m = splits.get(step).matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) {
                split(text.substring(last, m.start()), step + 1, sink);
            }
            split(text.substring(m.start(), m.end()), step + 1, sink);
            last = m.end();
        }
        if (last < text.length()) {
            split(text.substring(last), step + 1, sink);
        }
    }
}
