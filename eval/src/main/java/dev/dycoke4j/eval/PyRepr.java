package dev.dycoke4j.eval;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code repr()} for the value model used here: {@code String} (str), {@code BigInteger} or other integral
 * {@code Number} (int), {@code Double} (float), {@code Boolean}, {@code null} (None), {@code List} (list),
 * {@link PyTuple} (tuple), {@code Map} (dict). Video-MME puts {@code str(options)} into its prompt, so the list repr,
 * its quote choice and its escapes show in the text.
 */
public final class PyRepr {
    private PyRepr() {
    }

    public static String repr(Object x) {
        StringBuilder sb = new StringBuilder();
        append(sb, x);
        return sb.toString();
    }

    private static void append(StringBuilder sb, Object x) {
        switch (x) {
            case null -> sb.append("None");
            case String s -> sb.append(reprStr(s));
            case Boolean b -> sb.append(b ? "True" : "False");
            case Double d -> sb.append(reprFloat(d));
            case Float f -> sb.append(reprFloat(f.doubleValue()));
            case BigDecimal d -> sb.append(reprFloat(d.doubleValue()));
            case Number n -> sb.append(n instanceof BigInteger bi ? bi.toString() : Long.toString(n.longValue()));
            case PyTuple t -> {
                sb.append('(');
                appendAll(sb, t.items());
                if (t.items().size() == 1) sb.append(',');
                sb.append(')');
            }
            case List<?> l -> {
                sb.append('[');
                appendAll(sb, l);
                sb.append(']');
            }
            case Map<?, ?> m -> {
                sb.append('{');
                Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
                while (it.hasNext()) {
                    Map.Entry<?, ?> e = it.next();
                    append(sb, e.getKey());
                    sb.append(": ");
                    append(sb, e.getValue());
                    if (it.hasNext()) sb.append(", ");
                }
                sb.append('}');
            }
            default -> sb.append(x);
        }
    }

    private static void appendAll(StringBuilder sb, List<?> l) {
        for (int i = 0; i < l.size(); i++) {
            if (i > 0) sb.append(", ");
            append(sb, l.get(i));
        }
    }

    /**
     * {@code repr(str)}: single quotes unless the text has a single quote and no double quote; backslash, the quote,
     * {@code \t \n \r} escaped; other non-printable characters as {@code \xNN}, a 4-digit or an 8-digit Unicode escape.
     */
    public static String reprStr(String s) {
        char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder sb = new StringBuilder(s.length() + 2).append(q);
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (c == q || c == '\\') sb.append('\\').appendCodePoint(c);
            else if (c == '\t') sb.append("\\t");
            else if (c == '\n') sb.append("\\n");
            else if (c == '\r') sb.append("\\r");
            else if (c < 0x20 || c == 0x7F) sb.append(String.format("\\x%02x", c));
            else if (c < 0x7F) sb.append((char) c);
            else if (PyStr.isPrintable(c)) sb.appendCodePoint(c);
            else if (c <= 0xFF) sb.append(String.format("\\x%02x", c));
            else if (c <= 0xFFFF) sb.append(String.format("\\u%04x", c));
            else sb.append(String.format("\\U%08x", c));
        }
        return sb.append(q).toString();
    }

    /** {@code repr(float)}: the shortest round-tripping digits, positional for 1e-4 <= |x| < 1e16, else exponent form. */
    public static String reprFloat(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        // Java's Double.toString gives the shortest round-tripping digits (JDK 19+); only the layout differs
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int decpt = digits.length() - bd.scale(); // value = 0.digits * 10^decpt
        StringBuilder sb = new StringBuilder();
        if (d < 0) sb.append('-');
        if (decpt > -4 && decpt <= 16) {
            if (decpt <= 0) sb.append("0.").append("0".repeat(-decpt)).append(digits);
            else if (decpt >= digits.length()) sb.append(digits).append("0".repeat(decpt - digits.length())).append(".0");
            else sb.append(digits, 0, decpt).append('.').append(digits.substring(decpt));
        } else {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) sb.append('.').append(digits.substring(1));
            int exp = decpt - 1;
            sb.append('e').append(exp < 0 ? '-' : '+');
            String e = Integer.toString(Math.abs(exp));
            if (e.length() < 2) sb.append('0');
            sb.append(e);
        }
        return sb.toString();
    }

    /** Python's type name of a value, for error messages. */
    static String typeName(Object x) {
        return switch (x) {
            case null -> "NoneType";
            case String s -> "str";
            case Boolean b -> "bool";
            case Double d -> "float";
            case Number n -> "int";
            case PyTuple t -> "tuple";
            case List<?> l -> "list";
            case Map<?, ?> m -> "dict";
            default -> x.getClass().getSimpleName();
        };
    }
}
