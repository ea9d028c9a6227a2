package dev.dycoke4j.tokenizer;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** The {@code normalizer} section of tokenizer.json: none, a Unicode normal form, or a sequence of those. */
final class TextNormalizer {
    private final List<Normalizer.Form> forms;

    private TextNormalizer(List<Normalizer.Form> forms) {
        this.forms = List.copyOf(forms);
    }

    /**
     * Reads the section.
     *
     * @throws IllegalArgumentException for a normalizer this class does not implement
     */
    static TextNormalizer fromJson(JsonNode node) {
        List<Normalizer.Form> forms = new ArrayList<>();
        collect(node, forms);
        return new TextNormalizer(forms);
    }

    private static void collect(JsonNode node, List<Normalizer.Form> forms) {
        if (node == null || node.isNull()) {
            return;
        }
        String type = node.path("type").asText("");
        switch (type) {
            case "NFC" -> forms.add(Normalizer.Form.NFC);
            case "NFD" -> forms.add(Normalizer.Form.NFD);
            case "NFKC" -> forms.add(Normalizer.Form.NFKC);
            case "NFKD" -> forms.add(Normalizer.Form.NFKD);
            case "Sequence" -> {
                for (JsonNode child : node.path("normalizers")) {
                    collect(child, forms);
                }
            }
            default -> throw new IllegalArgumentException("unsupported normalizer type '" + type + "'");
        }
    }

    String apply(String text) {
        String s = text;
        for (Normalizer.Form form : forms) {
            if (!Normalizer.isNormalized(s, form)) {
                s = Normalizer.normalize(s, form);
            }
        }
        return s;
    }
}
