package dev.dycoke4j.tokenizer;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Finds added tokens in text as HF's {@code AddedVocabulary::find_matches}: non-overlapping leftmost-longest matches
 * (Aho-Corasick {@code LeftmostLongest}), then the token's {@code single_word}, {@code lstrip} and {@code rstrip}
 * flags.
 */
final class AddedTokenMatcher {
    /** Candidates by first character, longest first. */
    private final Map<Character, AddedToken[]> byFirstChar = new HashMap<>();
    private final BitSet firstChars = new BitSet(65536);

    /** @param tokens the tokens to find, matched by their {@code content} as given */
    AddedTokenMatcher(List<AddedToken> tokens) {
        Map<Character, List<AddedToken>> lists = new HashMap<>();
        for (AddedToken t : tokens) {
            if (!t.content().isEmpty()) {
                lists.computeIfAbsent(t.content().charAt(0), c -> new ArrayList<>()).add(t);
            }
        }
        lists.forEach((c, list) -> {
            list.sort(Comparator.comparingInt((AddedToken t) -> t.content().length()).reversed());
            byFirstChar.put(c, list.toArray(AddedToken[]::new));
            firstChars.set(c);
        });
    }

    /**
     * Splits {@code text} at the added tokens: appends the id of each token found to {@code ids}, and passes each
     * stretch of text between them (never empty) to {@code gaps}, in text order.
     */
    void split(String text, IntArrayBuilder ids, Consumer<String> gaps) {
        int done = 0; // end of the last emitted piece
        int i = 0; // where the search resumes
        int n = firstChars.isEmpty() ? 0 : text.length();
        while (i < n) {
            i = nextCandidate(text, i);
            if (i >= n) {
                break;
            }
            AddedToken match = longestAt(text, i);
            if (match == null) {
                i++;
                continue;
            }
            int start = i;
            int stop = i + match.content().length();
            i = stop;
            if (match.singleWord() && !isSingleWord(text, start, stop)) {
                continue;
            }
            if (match.lstrip()) {
                int s = start;
                while (s > 0 && isWhiteSpace(text.codePointBefore(s))) {
                    s -= Character.charCount(text.codePointBefore(s));
                }
                start = Math.max(s, done);
            }
            if (match.rstrip()) {
                while (stop < n && isWhiteSpace(text.codePointAt(stop))) {
                    stop += Character.charCount(text.codePointAt(stop));
                }
                i = stop;
            }
            if (start > done) {
                gaps.accept(text.substring(done, start));
            }
            ids.add(match.id());
            done = stop;
        }
        if (done < text.length()) {
            gaps.accept(text.substring(done));
        }
    }

    private int nextCandidate(String text, int from) {
        for (int i = from; i < text.length(); i++) {
            if (firstChars.get(text.charAt(i))) {
                return i;
            }
        }
        return text.length();
    }

    private AddedToken longestAt(String text, int i) {
        AddedToken[] candidates = byFirstChar.get(text.charAt(i));
        for (AddedToken t : candidates) {
            if (text.startsWith(t.content(), i)) {
                return t;
            }
        }
        return null;
    }

    /** HF: neither the text before ends with, nor the text after starts with, a word character ({@code \w}). */
    private static boolean isSingleWord(String text, int start, int stop) {
        boolean before = start == 0 || !isWordChar(text.codePointBefore(start));
        boolean after = stop == text.length() || !isWordChar(text.codePointAt(stop));
        return before && after;
    }

    /** Unicode {@code \w}: Alphabetic, marks, decimal digits, connector punctuation and Join_Control. */
    private static boolean isWordChar(int cp) {
        int type = Character.getType(cp);
        return Character.isAlphabetic(cp)
                || type == Character.NON_SPACING_MARK
                || type == Character.ENCLOSING_MARK
                || type == Character.COMBINING_SPACING_MARK
                || type == Character.DECIMAL_DIGIT_NUMBER
                || type == Character.CONNECTOR_PUNCTUATION
                || cp == 0x200C
                || cp == 0x200D;
    }

    /** The Unicode White_Space property, as Rust's {@code \s}. */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D)
                || cp == 0x20
                || cp == 0x85
                || cp == 0xA0
                || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A)
                || cp == 0x2028
                || cp == 0x2029
                || cp == 0x202F
                || cp == 0x205F
                || cp == 0x3000;
    }
}
