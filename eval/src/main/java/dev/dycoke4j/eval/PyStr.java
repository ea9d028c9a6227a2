package dev.dycoke4j.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Python's {@code str} methods where Java's differ: whitespace, strip, split, lower, capitalize, word characters. */
public final class PyStr {
    private PyStr() {
    }

    /**
     * Python's {@code str.isspace()} for one code point (bidirectional class WS, B or S, or category Zs): this includes
     * U+001C..U+001F, U+0085, U+00A0, U+2007 and U+202F, which Java's {@code Character.isWhitespace} partly leaves out.
     */
    public static boolean isSpace(int c) {
        return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
    }

    /** Python's {@code s.strip()}. */
    public static String strip(String s) {
        int b = 0, e = s.length();
        while (b < e && isSpace(s.charAt(b))) b++;
        while (e > b && isSpace(s.charAt(e - 1))) e--;
        return s.substring(b, e);
    }

    /** Python's {@code s.strip(chars)}: removes every code point found in {@code chars} from both ends. */
    public static String strip(String s, String chars) {
        int b = 0, e = s.length();
        while (b < e && chars.indexOf(s.codePointAt(b)) >= 0) b += Character.charCount(s.codePointAt(b));
        while (e > b && chars.indexOf(s.codePointBefore(e)) >= 0) e -= Character.charCount(s.codePointBefore(e));
        return s.substring(b, e);
    }

    /** Python's {@code s.split()}: the runs of non-whitespace. */
    public static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        int i = 0, n = s.length();
        while (i < n) {
            while (i < n && isSpace(s.charAt(i))) i++;
            int start = i;
            while (i < n && !isSpace(s.charAt(i))) i++;
            if (i > start) out.add(s.substring(start, i));
        }
        return out;
    }

    /** Python's {@code s.lower()}: each code point's full lower-case mapping, and CPython's final-sigma rule. */
    public static String lower(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            lowerAt(s, i, c, sb);
            i += Character.charCount(c);
        }
        return sb.toString();
    }

    private static void lowerAt(String s, int i, int c, StringBuilder sb) {
        if (c == 0x03A3) sb.append(finalSigma(s, i) ? '\u03C2' : '\u03C3');
        else sb.append(new String(Character.toChars(c)).toLowerCase(Locale.ROOT));
    }

    /**
     * CPython's {@code handle_capital_sigma}: a cased letter before (skipping case-ignorable ones) and none after
     * (skipping case-ignorable ones). Java's own rule differs around quotes, marks and format characters.
     */
    private static boolean finalSigma(String s, int i) {
        int j = i;
        int c = 0;
        boolean found = false;
        while (j > 0) {
            c = s.codePointBefore(j);
            j -= Character.charCount(c);
            if (!isCaseIgnorable(c)) {
                found = true;
                break;
            }
        }
        if (!found || !isCased(c)) return false;
        j = i + 1;
        while (j < s.length()) {
            c = s.codePointAt(j);
            if (!isCaseIgnorable(c)) return !isCased(c);
            j += Character.charCount(c);
        }
        return true;
    }

    /** Unicode's Cased property. */
    static boolean isCased(int c) {
        return Character.isLowerCase(c) || Character.isUpperCase(c) || Character.isTitleCase(c);
    }

    /** Unicode's Case_Ignorable property: marks, format characters, modifier letters and symbols, and the mid-word punctuation. */
    static boolean isCaseIgnorable(int c) {
        switch (Character.getType(c)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.FORMAT, Character.MODIFIER_LETTER, Character.MODIFIER_SYMBOL -> {
                return true;
            }
            default -> {
                return switch (c) {
                    case 0x27, 0x2E, 0x3A, 0x5E, 0x60, 0xA8, 0xAD, 0xAF, 0xB4, 0xB7, 0xB8, 0x387, 0x55F, 0x5F4, 0x2018, 0x2019, 0x2024, 0x2027,
                         0xFE13, 0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A, 0xFF3E, 0xFF40, 0xFFE3 -> true;
                    default -> false;
                };
            }
        }
    }

    /**
     * Python's {@code s.capitalize()} (3.8+): the first character in full title case ("ß" to "Ss", "ǆ" to "ǅ"), the rest
     * lower-cased ("İ" to "i̇") in the context of the whole string (the final sigma looks at the first character too).
     */
    public static String capitalize(String s) {
        if (s.isEmpty()) return s;
        int first = s.codePointAt(0);
        StringBuilder sb = new StringBuilder(s.length()).append(title(first));
        for (int i = Character.charCount(first); i < s.length(); ) {
            int c = s.codePointAt(i);
            lowerAt(s, i, c, sb);
            i += Character.charCount(c);
        }
        return sb.toString();
    }

    /** The full title-case mapping of one code point (SpecialCasing.txt's title column). */
    static String title(int c) {
        int simple = Character.toTitleCase(c);
        if (simple != c) return new String(Character.toChars(simple));
        if (c == 0x0149) return "\u02BCN";
        String upper = new String(Character.toChars(c)).toUpperCase(Locale.ROOT);
        if (upper.codePointCount(0, upper.length()) <= 1) return upper;
        int head = upper.codePointAt(0);
        return new String(Character.toChars(head)) + upper.substring(Character.charCount(head)).toLowerCase(Locale.ROOT);
    }

    /** Python's {@code \w} in a str pattern: alphanumeric ({@code str.isalnum}) or underscore. */
    public static boolean isWordChar(int c) {
        if (c == '_') return true;
        if (Character.isLetter(c)) return true;
        int t = Character.getType(c);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }

    /** Python's {@code \b} at position {@code i} (a UTF-16 index) of {@code s}. */
    public static boolean wordBoundary(String s, int i) {
        boolean before = i > 0 && isWordChar(s.codePointBefore(i));
        boolean after = i < s.length() && isWordChar(s.codePointAt(i));
        return before != after;
    }

    /** Python's {@code str.isprintable()} for one code point: not in Cc, Cf, Cs, Co, Cn, Zl, Zp or Zs, except the space. */
    public static boolean isPrintable(int c) {
        if (c == ' ') return true;
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                 Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    /** Python's {@code str(x)} for a value of the JSON-like model (see {@link PyRepr}). */
    public static String str(Object x) {
        return x instanceof String s ? s : PyRepr.repr(x);
    }

    /** The string {@code x} must be for Python's {@code +} on strings; anything else raises TypeError. */
    static String requireStr(Object x, String what) {
        if (x instanceof String s) return s;
        throw new PyError("TypeError", what + " is " + PyRepr.typeName(x) + ", not str");
    }

    /** {@code x.strip()} on a value that must be a str (AttributeError otherwise, as {@code None.strip()}). */
    static String stripAttr(Object x) {
        if (x instanceof String s) return strip(s);
        throw new PyError("AttributeError", "'" + PyRepr.typeName(x) + "' object has no attribute 'strip'");
    }
}
