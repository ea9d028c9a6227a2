package dev.dycoke4j.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible byte to character mapping ({@code bytes_to_unicode}), as used by the ByteLevel pre-tokenizer and
 * decoder of HF tokenizers: printable Latin-1 bytes map to themselves, the other 68 bytes to U+0100 and up, in byte
 * order. Vocabulary entries are strings over these 256 characters.
 */
final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** Indexed by character; -1 where the character stands for no byte. */
    private static final int[] CHAR_TO_BYTE = new int[256 + 68];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + extra++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {}

    /** The character that stands for byte {@code b} (0..255). */
    static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte-level string of some bytes, e.g. {@code " a"} becomes {@code "Ġa"}. */
    static String toChars(byte[] bytes, int from, int to) {
        char[] out = new char[to - from];
        for (int i = from; i < to; i++) {
            out[i - from] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(out);
    }

    /**
     * The bytes a token stands for, as the ByteLevel decoder does: if every character of the token is one of the 256
     * byte characters, those bytes; otherwise (e.g. an added token with other characters) the token's own UTF-8.
     */
    static byte[] tokenBytes(String token) {
        byte[] out = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b < 0) {
                return token.getBytes(StandardCharsets.UTF_8);
            }
            out[i] = (byte) b;
        }
        return out;
    }
}
