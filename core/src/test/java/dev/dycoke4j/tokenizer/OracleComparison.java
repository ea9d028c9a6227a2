package dev.dycoke4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Compares our tokenizer with HF's on many strings, and reports every difference at once. */
final class OracleComparison {
    private OracleComparison() {}

    /**
     * Asserts that our ids equal HF's for every text, that both decode the ids to the same text, and that the
     * decoded text is the NFC form of the input.
     *
     * @return the total number of tokens compared
     */
    static long assertSameIds(Tokenizer ours, HfOracle hf, List<String> texts) {
        List<int[]> expected = hf.encodeAll(texts);
        List<String> failures = new ArrayList<>();
        long tokens = 0;
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            int[] ids = ours.encode(text);
            tokens += ids.length;
            if (!Arrays.equals(expected.get(i), ids)) {
                failures.add("ids of " + escape(text) + "\n  hf:   " + Arrays.toString(expected.get(i))
                        + "\n  ours: " + Arrays.toString(ids));
                continue;
            }
            String decoded = ours.decode(ids);
            String nfc = Normalizer.normalize(text, Normalizer.Form.NFC);
            if (!decoded.equals(nfc) || !decoded.equals(hf.decode(ids))) {
                failures.add("decode of " + escape(text) + ": " + escape(decoded));
            }
        }
        assertEquals(List.of(), failures.subList(0, Math.min(10, failures.size())),
                failures.size() + " of " + texts.size() + " strings differ");
        return tokens;
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder("\"");
        String shown = s.length() > 200 ? s.substring(0, 200) + "…(" + s.length() + " chars)" : s;
        shown.codePoints().forEach(cp -> {
            if (cp < 0x20 || (cp >= 0x7F && cp < 0xA1) || Character.isWhitespace(cp) && cp != ' '
                    || Character.getType(cp) == Character.FORMAT || Character.isSpaceChar(cp) && cp != ' ') {
                out.append(String.format("\\u%04X", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.append('"').toString();
    }
}
