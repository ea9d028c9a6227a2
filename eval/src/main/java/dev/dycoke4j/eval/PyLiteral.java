package dev.dycoke4j.eval;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Python's {@code ast.literal_eval} on a string: the literals it accepts (str and bytes with every prefix and escape,
 * adjacent-string concatenation, ints in any base with underscores, floats, complex sums, True/False/None, tuples,
 * lists, dicts, sets, {@code set()}, signs on numbers) and nothing else. The judges' replies are parsed with it, so
 * replies like {@code "{'pred': 'yes', 'score': '4'}"}, {@code "{'score': 0x4}"} or a reply with a comment parse as in
 * Python, and JSON's {@code true}/{@code null}, code fences or trailing text fail. Every failure is a {@link PyError}
 * ({@code SyntaxError} or {@code ValueError}, as the original; callers here treat them alike).
 */
public final class PyLiteral {
    /** A Python complex number (accepted by literal_eval, refused by {@code float()} and {@code int()}). */
    public record Complex(double re, double im) {
    }

    /** A Python bytes value, its bytes as chars 0-255. */
    public record Bytes(String latin1) {
    }

    /** A Python set. */
    public record PySet(Set<Object> items) {
    }

    /** Python's Ellipsis. */
    public enum Ellipsis { INSTANCE }

    private final String s;
    private int pos;
    private int depth;
    private Tok tok;

    private PyLiteral(String s) {
        this.s = s;
    }

    /** {@code ast.literal_eval(text)}. */
    public static Object literalEval(String text) {
        PyLiteral p = new PyLiteral(PyStr.strip(text, " \t"));
        p.start();
        p.next();
        Object v = p.tupleOrExpr(true);
        while (p.tok.kind == Kind.NEWLINE) p.next();
        if (p.tok.kind != Kind.END) throw syntax("unexpected " + p.tok.text);
        return v;
    }

    private static PyError syntax(String m) {
        return new PyError("SyntaxError", m);
    }

    private static PyError malformed() {
        return new PyError("ValueError", "malformed node or string");
    }

    // ---- parser ----

    private static final Object NO_VALUE = new Object();

    /** expr (',' expr)* [','], a tuple when a comma is present; {@code NO_VALUE} for nothing (only inside brackets). */
    private Object tupleOrExpr(boolean top) {
        if (!top && isCloser()) return NO_VALUE;
        Node first = expr();
        if (!(tok.kind == Kind.OP && tok.text.equals(","))) return first.value();
        List<Object> items = new ArrayList<>();
        items.add(first.value());
        while (tok.kind == Kind.OP && tok.text.equals(",")) {
            next();
            if (isCloser() || tok.kind == Kind.END || tok.kind == Kind.NEWLINE) break;
            items.add(expr().value());
        }
        return new PyTuple(items);
    }

    private boolean isCloser() {
        return tok.kind == Kind.OP && (tok.text.equals(")") || tok.text.equals("]") || tok.text.equals("}"));
    }

    /** A parsed node: its value, and what literal_eval needs to know about its shape. */
    private record Node(Object value, boolean constNumber, boolean signedNumber, boolean binop) {
    }

    private Node expr() {
        Node left = unary();
        while (tok.kind == Kind.OP && (tok.text.equals("+") || tok.text.equals("-"))) {
            boolean plus = tok.text.equals("+");
            next();
            Node right = unary();
            // literal_eval: a signed number on the left, a complex constant on the right, nothing more
            if (left.binop || !(left.constNumber || left.signedNumber) || !right.constNumber || !(right.value instanceof Complex rc))
                throw malformed();
            Complex lc = left.value instanceof Complex c ? c : new Complex(PyNum.asDouble(left.value), 0);
            Complex v = plus ? new Complex(lc.re + rc.re, lc.im + rc.im) : new Complex(lc.re - rc.re, lc.im - rc.im);
            left = new Node(v, false, false, true);
        }
        return left;
    }

    private Node unary() {
        if (tok.kind == Kind.OP && (tok.text.equals("+") || tok.text.equals("-"))) {
            boolean minus = tok.text.equals("-");
            next();
            Node operand = unary();
            if (!operand.constNumber) throw malformed();
            Object v = operand.value;
            if (minus) {
                v = switch (v) {
                    case BigInteger b -> b.negate();
                    case Double d -> -d;
                    case Complex c -> new Complex(-c.re, -c.im);
                    default -> throw malformed();
                };
            }
            return new Node(v, false, true, false);
        }
        return primary();
    }

    private Node primary() {
        Tok t = tok;
        switch (t.kind) {
            case NUMBER -> {
                next();
                return new Node(t.value, true, false, false);
            }
            case STRING -> {
                StringBuilder sb = new StringBuilder();
                boolean bytes = t.bytes;
                while (tok.kind == Kind.STRING) {
                    if (tok.bytes != bytes) throw syntax("cannot mix bytes and nonbytes literals");
                    sb.append((String) tok.value);
                    boolean f = tok.fstring;
                    next();
                    if (f) {
                        while (tok.kind == Kind.STRING) next();
                        throw malformed();
                    }
                }
                return new Node(bytes ? new Bytes(sb.toString()) : sb.toString(), false, false, false);
            }
            case NAME -> {
                next();
                switch (t.text) {
                    case "True":
                        return new Node(Boolean.TRUE, false, false, false);
                    case "False":
                        return new Node(Boolean.FALSE, false, false, false);
                    case "None":
                        return new Node(null, false, false, false);
                    case "set":
                        if (tok.kind == Kind.OP && tok.text.equals("(")) {
                            next();
                            if (tok.kind == Kind.OP && tok.text.equals(")")) {
                                next();
                                return new Node(new PySet(new LinkedHashSet<>()), false, false, false);
                            }
                        }
                        throw malformed();
                    default:
                        // other names and calls are valid syntax but not literals
                        throw malformed();
                }
            }
            case OP -> {
                switch (t.text) {
                    case "(" -> {
                        next();
                        depth++;
                        Object v = tupleOrExpr(false);
                        expect(")");
                        return new Node(v == NO_VALUE ? new PyTuple(List.of()) : v, false, false, false);
                    }
                    case "[" -> {
                        next();
                        depth++;
                        List<Object> items = new ArrayList<>();
                        while (!isCloser()) {
                            items.add(expr().value());
                            if (tok.kind == Kind.OP && tok.text.equals(",")) next();
                            else break;
                        }
                        expect("]");
                        return new Node(items, false, false, false);
                    }
                    case "{" -> {
                        next();
                        depth++;
                        return brace();
                    }
                    case "..." -> {
                        next();
                        return new Node(Ellipsis.INSTANCE, false, false, false);
                    }
                    default -> throw syntax("unexpected " + t.text);
                }
            }
            default -> throw syntax("unexpected " + (t.kind == Kind.END ? "end" : t.text));
        }
    }

    private Node brace() {
        if (tok.kind == Kind.OP && tok.text.equals("}")) {
            expect("}");
            return new Node(new LinkedHashMap<>(), false, false, false);
        }
        Object firstKey = expr().value();
        if (tok.kind == Kind.OP && tok.text.equals(":")) {
            List<Object> keys = new ArrayList<>(), values = new ArrayList<>();
            next();
            keys.add(firstKey);
            values.add(expr().value());
            while (tok.kind == Kind.OP && tok.text.equals(",")) {
                next();
                if (isCloser()) break;
                keys.add(expr().value());
                if (!(tok.kind == Kind.OP && tok.text.equals(":"))) throw syntax("':' expected");
                next();
                values.add(expr().value());
            }
            expect("}");
            Map<Object, Object> m = new LinkedHashMap<>();
            Map<Object, Object> firstKeyOf = new LinkedHashMap<>();
            for (int i = 0; i < keys.size(); i++) {
                Object k = keys.get(i);
                Object norm = PyNum.key(hashable(k));
                // a later equal key keeps the first key object and takes the later value, as a dict display does
                Object kept = firstKeyOf.computeIfAbsent(norm, x -> k);
                m.put(kept, values.get(i));
            }
            return new Node(m, false, false, false);
        }
        Set<Object> items = new LinkedHashSet<>();
        items.add(PyNum.key(hashable(firstKey)));
        while (tok.kind == Kind.OP && tok.text.equals(",")) {
            next();
            if (isCloser()) break;
            items.add(PyNum.key(hashable(expr().value())));
        }
        expect("}");
        return new Node(new PySet(items), false, false, false);
    }

    private static Object hashable(Object k) {
        if (k instanceof List<?> || k instanceof Map<?, ?> || k instanceof PySet)
            throw new PyError("TypeError", "unhashable type: '" + PyRepr.typeName(k) + "'");
        return k;
    }

    private void expect(String closer) {
        if (!(tok.kind == Kind.OP && tok.text.equals(closer))) throw syntax("'" + closer + "' expected");
        depth--;
        next();
    }

    // ---- tokenizer ----

    private enum Kind { NUMBER, STRING, NAME, OP, NEWLINE, END }

    private static final class Tok {
        final Kind kind;
        final String text;
        final Object value;
        final boolean bytes;
        final boolean fstring;

        Tok(Kind kind, String text, Object value, boolean bytes, boolean fstring) {
            this.kind = kind;
            this.text = text;
            this.value = value;
            this.bytes = bytes;
            this.fstring = fstring;
        }
    }

    /** Skips blank lines at the start; an indented first line is an IndentationError (a SyntaxError). */
    private void start() {
        while (true) {
            int p = pos;
            while (p < s.length() && (s.charAt(p) == ' ' || s.charAt(p) == '\t' || s.charAt(p) == '\f')) p++;
            if (p < s.length() && s.charAt(p) == '#') while (p < s.length() && s.charAt(p) != '\n' && s.charAt(p) != '\r') p++;
            if (p < s.length() && (s.charAt(p) == '\n' || s.charAt(p) == '\r')) {
                pos = p + 1;
                continue;
            }
            if (p == s.length()) {
                pos = p;
                return;
            }
            if (p != pos) throw new PyError("SyntaxError", "unexpected indent");
            return;
        }
    }

    private void next() {
        tok = scan();
    }

    private Tok scan() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\f') {
                pos++;
            } else if (c == '#') {
                while (pos < s.length() && s.charAt(pos) != '\n' && s.charAt(pos) != '\r') pos++;
            } else if (c == '\\') {
                if (pos + 1 < s.length() && s.charAt(pos + 1) == '\n') pos += 2;
                else if (pos + 2 < s.length() && s.charAt(pos + 1) == '\r' && s.charAt(pos + 2) == '\n') pos += 3;
                else if (pos + 1 < s.length() && s.charAt(pos + 1) == '\r') pos += 2;
                else throw syntax("unexpected character after line continuation character");
            } else if (c == '\n' || c == '\r') {
                pos++;
                if (depth == 0) {
                    // the rest must be blank lines for the expression to end here
                    return new Tok(Kind.NEWLINE, "\\n", null, false, false);
                }
            } else {
                break;
            }
        }
        if (pos >= s.length()) return new Tok(Kind.END, "", null, false, false);
        char c = s.charAt(pos);
        if (Character.isDigit(c) && c < 128 || (c == '.' && pos + 1 < s.length() && s.charAt(pos + 1) < 128 && Character.isDigit(s.charAt(pos + 1))))
            return number();
        int cp = s.codePointAt(pos);
        if (Character.isUnicodeIdentifierStart(cp) || cp == '_') {
            int start = pos;
            while (pos < s.length() && (Character.isUnicodeIdentifierPart(s.codePointAt(pos)) && !Character.isIdentifierIgnorable(s.codePointAt(pos))))
                pos += Character.charCount(s.codePointAt(pos));
            String name = s.substring(start, pos);
            if (pos < s.length() && (s.charAt(pos) == '\'' || s.charAt(pos) == '"') && name.length() <= 2
                    && name.toLowerCase(java.util.Locale.ROOT).matches("r|u|b|f|br|rb|fr|rf")) {
                pos = start;
                return string(name.toLowerCase(java.util.Locale.ROOT));
            }
            return new Tok(Kind.NAME, name, null, false, false);
        }
        if (c == '\'' || c == '"') return string("");
        if (s.startsWith("...", pos)) {
            pos += 3;
            return new Tok(Kind.OP, "...", null, false, false);
        }
        pos++;
        return new Tok(Kind.OP, String.valueOf(c), null, false, false);
    }

    private Tok number() {
        int start = pos;
        String rest = s.substring(pos);
        java.util.regex.Matcher m;
        m = java.util.regex.Pattern.compile("0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+").matcher(rest);
        if (m.lookingAt()) {
            String t = m.group().substring(2).replace("_", "");
            int radix = switch (m.group().charAt(1)) {
                case 'x', 'X' -> 16;
                case 'o', 'O' -> 8;
                default -> 2;
            };
            pos += m.end();
            afterNumber();
            return new Tok(Kind.NUMBER, m.group(), new BigInteger(t, radix), false, false);
        }
        String digits = "[0-9](?:_?[0-9])*";
        String exp = "[eE][+-]?" + digits;
        m = java.util.regex.Pattern.compile("((?:" + digits + ")?\\.(?:" + digits + ")?(?:" + exp + ")?|" + digits + exp + "|" + digits + ")([jJ])?").matcher(rest);
        if (!m.lookingAt() || m.group(1).equals(".")) throw syntax("invalid number");
        String lit = m.group(1);
        pos += m.end();
        afterNumber();
        String plain = lit.replace("_", "");
        Object v;
        if (m.group(2) != null) v = new Complex(0, Double.parseDouble(plain));
        else if (plain.contains(".") || plain.contains("e") || plain.contains("E")) v = Double.parseDouble(plain);
        else {
            if (plain.length() > 1 && plain.charAt(0) == '0' && !plain.chars().allMatch(ch -> ch == '0'))
                throw syntax("leading zeros in decimal integer literals are not permitted");
            v = new BigInteger(plain);
        }
        return new Tok(Kind.NUMBER, s.substring(start, pos), v, false, false);
    }

    /** A number glued to a name or another number ("4abc", "1_") is a SyntaxError in Python's tokenizer. */
    private void afterNumber() {
        if (pos < s.length()) {
            int cp = s.codePointAt(pos);
            if (Character.isUnicodeIdentifierPart(cp) && !Character.isIdentifierIgnorable(cp) || cp == '_' || cp == '.')
                throw syntax("invalid decimal literal");
        }
    }

    private Tok string(String prefix) {
        boolean raw = prefix.contains("r"), bytes = prefix.contains("b"), f = prefix.contains("f");
        pos += prefix.length();
        char q = s.charAt(pos);
        boolean triple = s.startsWith(String.valueOf(q).repeat(3), pos);
        pos += triple ? 3 : 1;
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= s.length()) throw syntax("unterminated string literal");
            char c = s.charAt(pos);
            if (triple ? s.startsWith(String.valueOf(q).repeat(3), pos) : c == q) {
                pos += triple ? 3 : 1;
                break;
            }
            if (!triple && (c == '\n' || c == '\r')) throw syntax("unterminated string literal");
            if (c == '\\') {
                if (pos + 1 >= s.length()) throw syntax("unterminated string literal");
                char e = s.charAt(pos + 1);
                if (raw) {
                    sb.append(c).append(e);
                    pos += 2;
                    continue;
                }
                pos += 2;
                escape(e, sb, bytes);
                continue;
            }
            int cp = s.codePointAt(pos);
            if (bytes && cp > 127) throw syntax("bytes can only contain ASCII literal characters");
            // a string literal's raw line ends are read as \n, as Python's tokenizer normalizes them
            if (c == '\r') {
                sb.append('\n');
                pos += (pos + 1 < s.length() && s.charAt(pos + 1) == '\n') ? 2 : 1;
                continue;
            }
            sb.appendCodePoint(cp);
            pos += Character.charCount(cp);
        }
        return new Tok(Kind.STRING, "string", sb.toString(), bytes, f);
    }

    private void escape(char e, StringBuilder sb, boolean bytes) {
        switch (e) {
            case '\n' -> { }
            case '\r' -> {
                if (pos < s.length() && s.charAt(pos) == '\n') pos++;
            }
            case '\\' -> sb.append('\\');
            case '\'' -> sb.append('\'');
            case '"' -> sb.append('"');
            case 'a' -> sb.append('\u0007');
            case 'b' -> sb.append('\b');
            case 'f' -> sb.append('\f');
            case 'n' -> sb.append('\n');
            case 'r' -> sb.append('\r');
            case 't' -> sb.append('\t');
            case 'v' -> sb.append('\u000B');
            case 'x' -> sb.appendCodePoint(hex(2));
            case 'u' -> {
                if (bytes) sb.append("\\u");
                else sb.appendCodePoint(hex(4));
            }
            case 'U' -> {
                if (bytes) sb.append("\\U");
                else {
                    int v = hex(8);
                    if (v > 0x10FFFF) throw syntax("illegal Unicode character");
                    sb.appendCodePoint(v);
                }
            }
            case 'N' -> {
                if (bytes) {
                    sb.append("\\N");
                    return;
                }
                int close = s.indexOf('}', pos);
                if (pos >= s.length() || s.charAt(pos) != '{' || close < 0) throw syntax("malformed \\N character escape");
                String name = s.substring(pos + 1, close);
                pos = close + 1;
                try {
                    sb.appendCodePoint(Character.codePointOf(name));
                } catch (IllegalArgumentException ex) {
                    throw syntax("unknown Unicode character name");
                }
            }
            default -> {
                if (e >= '0' && e <= '7') {
                    int v = e - '0';
                    for (int k = 0; k < 2 && pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '7'; k++) v = v * 8 + (s.charAt(pos++) - '0');
                    if (bytes) v &= 0xFF;
                    sb.appendCodePoint(v);
                } else {
                    sb.append('\\');
                    pos--; // the character after the backslash is read again as an ordinary one
                }
            }
        }
    }

    private int hex(int n) {
        if (pos + n > s.length()) throw syntax("truncated escape");
        String h = s.substring(pos, pos + n);
        if (!h.matches("[0-9a-fA-F]+")) throw syntax("truncated escape");
        pos += n;
        return Integer.parseUnsignedInt(h, 16);
    }
}
