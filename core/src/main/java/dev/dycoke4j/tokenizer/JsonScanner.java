package dev.dycoke4j.tokenizer;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A minimal strict JSON reader over UTF-8 bytes. Strings are handed out as byte ranges, without creating a
 * {@code String}, so that the 300,000 strings of a tokenizer.json's vocabulary and merges read in a few tens of
 * milliseconds even on a cold JVM (a Jackson {@code JsonParser} plus an {@code ObjectMapper} took about a second
 * there). Small values are read into Jackson {@link JsonNode} trees.
 *
 * <p>Syntax errors are {@link IllegalArgumentException}s whose message gives the line and column.
 */
final class JsonScanner {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final byte[] in;
    private int pos;

    /** The last string read: {@code strBytes[strOff .. strOff + strLen)}, in the input or in a scratch buffer. */
    byte[] strBytes;
    int strOff;
    int strLen;

    private byte[] scratch = new byte[64];

    JsonScanner(byte[] in) {
        this.in = in;
    }

    /** Skips white space; returns the next byte without consuming it, or -1 at the end. */
    int peek() {
        while (pos < in.length) {
            byte c = in[pos];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return c & 0xFF;
            }
            pos++;
        }
        return -1;
    }

    /** Consumes {@code c} if it comes next. */
    boolean consume(char c) {
        if (peek() == c) {
            pos++;
            return true;
        }
        return false;
    }

    void expect(char c) {
        if (!consume(c)) {
            throw error("expected '" + c + "'");
        }
    }

    /**
     * After a value inside an object or array: consumes a ',' (true: more follow) or the closing {@code close}
     * (false).
     */
    boolean more(char close) {
        if (consume(',')) {
            return true;
        }
        if (consume(close)) {
            return false;
        }
        throw error("expected ',' or '" + close + "'");
    }

    /** Reads a string into {@link #strBytes}/{@link #strOff}/{@link #strLen}. */
    void readStringBytes() {
        expect('"');
        int start = pos;
        int i = pos;
        while (true) {
            if (i >= in.length) {
                pos = i;
                throw error("unterminated string");
            }
            int c = in[i] & 0xFF;
            if (c == '"') {
                strBytes = in;
                strOff = start;
                strLen = i - start;
                pos = i + 1;
                return;
            }
            if (c == '\\') {
                break;
            }
            if (c < 0x20) {
                pos = i;
                throw error("control character in string");
            }
            i++;
        }
        // slow path: unescape into the scratch buffer
        int n = i - start;
        System.arraycopy(in, start, scratch(n), 0, n);
        pos = i;
        while (true) {
            if (pos >= in.length) {
                throw error("unterminated string");
            }
            int c = in[pos] & 0xFF;
            if (c == '"') {
                pos++;
                break;
            }
            if (c < 0x20) {
                throw error("control character in string");
            }
            scratch(n + 4);
            if (c != '\\') {
                scratch[n++] = (byte) c;
                pos++;
                continue;
            }
            if (pos + 1 >= in.length) {
                throw error("unterminated string");
            }
            int e = in[pos + 1];
            pos += 2;
            switch (e) {
                case '"', '\\', '/' -> scratch[n++] = (byte) e;
                case 'b' -> scratch[n++] = '\b';
                case 'f' -> scratch[n++] = '\f';
                case 'n' -> scratch[n++] = '\n';
                case 'r' -> scratch[n++] = '\r';
                case 't' -> scratch[n++] = '\t';
                case 'u' -> n = appendUtf8(n, unicodeEscape());
                default -> {
                    pos -= 2;
                    throw error("bad escape in string");
                }
            }
        }
        strBytes = scratch;
        strOff = 0;
        strLen = n;
    }

    String readString() {
        readStringBytes();
        return new String(strBytes, strOff, strLen, StandardCharsets.UTF_8);
    }

    /** Reads an integer that fits a long. */
    long readLong() {
        int c = peek();
        if (c >= '1' && c <= '9') { // fast path: up to 18 plain digits
            long v = 0;
            int i = pos;
            while (i < in.length && i - pos < 18 && in[i] >= '0' && in[i] <= '9') {
                v = v * 10 + (in[i++] - '0');
            }
            int next = i < in.length ? in[i] : ' ';
            if (!(next >= '0' && next <= '9') && next != '.' && next != 'e' && next != 'E') {
                pos = i;
                return v;
            }
        }
        JsonNode n = readNumber();
        if (!n.canConvertToLong() || !n.isIntegralNumber()) {
            throw error("expected an integer");
        }
        return n.asLong();
    }

    /** Reads any value as a tree (numbers as Jackson's readTree gives them). */
    JsonNode readValue() {
        int c = peek();
        switch (c) {
            case '{' -> {
                pos++;
                ObjectNode object = NODES.objectNode();
                if (consume('}')) {
                    return object;
                }
                do {
                    String name = readString();
                    expect(':');
                    object.set(name, readValue());
                } while (more('}'));
                return object;
            }
            case '[' -> {
                pos++;
                ArrayNode array = NODES.arrayNode();
                if (consume(']')) {
                    return array;
                }
                do {
                    array.add(readValue());
                } while (more(']'));
                return array;
            }
            case '"' -> {
                return NODES.textNode(readString());
            }
            case 't' -> {
                literal("true");
                return NODES.booleanNode(true);
            }
            case 'f' -> {
                literal("false");
                return NODES.booleanNode(false);
            }
            case 'n' -> {
                literal("null");
                return NODES.nullNode();
            }
            case -1 -> throw error("unexpected end of input");
            default -> {
                return readNumber();
            }
        }
    }

    /** Fails unless only white space is left. */
    void expectEnd() {
        if (peek() != -1) {
            throw error("unexpected content after the JSON value");
        }
    }

    /** An error at the current position: "message at line L, column C". */
    IllegalArgumentException error(String message) {
        int line = 1;
        int lineStart = 0;
        int end = Math.min(pos, in.length);
        for (int i = 0; i < end; i++) {
            if (in[i] == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        int column = 1;
        for (int i = lineStart; i < end; i++) {
            column += (in[i] & 0xC0) == 0x80 ? 0 : 1; // count characters, not UTF-8 continuation bytes
        }
        String what = pos >= in.length ? "unexpected end of input" : message;
        return new IllegalArgumentException("invalid JSON: " + what + " at line " + line + ", column " + column);
    }

    private JsonNode readNumber() {
        peek();
        int start = pos;
        if (pos < in.length && in[pos] == '-') {
            pos++;
        }
        int digits = pos;
        while (pos < in.length && in[pos] >= '0' && in[pos] <= '9') {
            pos++;
        }
        if (pos == digits || (in[digits] == '0' && pos - digits > 1)) {
            pos = start;
            throw error("expected a value");
        }
        boolean integral = true;
        if (pos < in.length && in[pos] == '.') {
            integral = false;
            pos++;
            int frac = pos;
            while (pos < in.length && in[pos] >= '0' && in[pos] <= '9') {
                pos++;
            }
            if (pos == frac) {
                throw error("bad number");
            }
        }
        if (pos < in.length && (in[pos] == 'e' || in[pos] == 'E')) {
            integral = false;
            pos++;
            if (pos < in.length && (in[pos] == '+' || in[pos] == '-')) {
                pos++;
            }
            int exp = pos;
            while (pos < in.length && in[pos] >= '0' && in[pos] <= '9') {
                pos++;
            }
            if (pos == exp) {
                throw error("bad number");
            }
        }
        String text = new String(in, start, pos - start, StandardCharsets.US_ASCII);
        if (!integral) {
            return NODES.numberNode(Double.parseDouble(text));
        }
        BigInteger value = new BigInteger(text);
        if (value.bitLength() < 32) {
            return NODES.numberNode(value.intValue());
        }
        return value.bitLength() < 64 ? NODES.numberNode(value.longValue()) : NODES.numberNode(value);
    }

    private void literal(String word) {
        for (int i = 0; i < word.length(); i++) {
            if (pos + i >= in.length || in[pos + i] != word.charAt(i)) {
                throw error("expected a value");
            }
        }
        pos += word.length();
    }

    /** The code point of a {@code \}{@code u} escape whose 'u' was just consumed, joining a surrogate pair. */
    private int unicodeEscape() {
        int high = hex4();
        if (!Character.isSurrogate((char) high)) {
            return high;
        }
        if (Character.isHighSurrogate((char) high) && pos + 1 < in.length && in[pos] == '\\' && in[pos + 1] == 'u') {
            pos += 2;
            int low = hex4();
            if (Character.isLowSurrogate((char) low)) {
                return Character.toCodePoint((char) high, (char) low);
            }
        }
        throw error("unpaired surrogate in \\u escape");
    }

    private int hex4() {
        if (pos + 4 > in.length) {
            throw error("bad \\u escape");
        }
        int v = 0;
        for (int k = 0; k < 4; k++) {
            int d = Character.digit(in[pos + k], 16);
            if (d < 0) {
                throw error("bad \\u escape");
            }
            v = v * 16 + d;
        }
        pos += 4;
        return v;
    }

    private int appendUtf8(int n, int cp) {
        byte[] b = Character.toString(cp).getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, scratch, n, b.length);
        return n + b.length;
    }

    private byte[] scratch(int capacity) {
        if (scratch.length < capacity) {
            scratch = Arrays.copyOf(scratch, Math.max(capacity, scratch.length * 2));
        }
        return scratch;
    }
}
