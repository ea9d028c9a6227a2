package dev.dycoke4j.tokenizer;

/**
 * UTF-8 decoding with U+FFFD for ill-formed input, replacing each maximal subpart of an ill-formed sequence by one
 * U+FFFD (Unicode 3.9, "U+FFFD substitution of maximal subparts"), which is what Rust's
 * {@code String::from_utf8_lossy} (and so HF tokenizers) does.
 */
final class Utf8 {
    static final char REPLACEMENT = '\uFFFD';

    private Utf8() {}

    /** Decodes {@code len} bytes from {@code off}. */
    static String decodeLossy(byte[] b, int off, int len) {
        StringBuilder out = new StringBuilder(len);
        int i = off;
        int end = off + len;
        while (i < end) {
            int b0 = b[i] & 0xFF;
            if (b0 < 0x80) {
                out.append((char) b0);
                i++;
                continue;
            }
            int need = sequenceLength(b0);
            int valid = validPrefix(b, i, end, b0, need);
            if (need == 0 || valid < need) {
                out.append(REPLACEMENT);
                i += Math.max(1, valid);
                continue;
            }
            int cp = b0 & (0xFF >> (need + 1));
            for (int k = 1; k < need; k++) {
                cp = (cp << 6) | (b[i + k] & 0x3F);
            }
            out.appendCodePoint(cp);
            i += need;
        }
        return out.toString();
    }

    /**
     * Where a well-formed but unfinished sequence at the end of {@code b[0..len)} starts, or {@code len} if the bytes do
     * not end inside one. Bytes before that index decode the same whatever follows them.
     */
    static int incompleteTailStart(byte[] b, int len) {
        for (int k = 1; k <= 3 && k <= len; k++) {
            int p = len - k;
            int x = b[p] & 0xFF;
            if ((x & 0xC0) == 0x80) {
                continue; // a continuation byte: look further back for its lead
            }
            int need = sequenceLength(x);
            return need > k && validPrefix(b, p, len, x, need) == k ? p : len;
        }
        return len;
    }

    /** Bytes in the sequence that lead byte {@code b0} starts: 2..4, or 0 if it cannot start one. */
    private static int sequenceLength(int b0) {
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            return 2;
        }
        if (b0 >= 0xE0 && b0 <= 0xEF) {
            return 3;
        }
        if (b0 >= 0xF0 && b0 <= 0xF4) {
            return 4;
        }
        return 0;
    }

    /** How many bytes from {@code i} (at most {@code need}, at least 1) form a well-formed prefix of a sequence. */
    private static int validPrefix(byte[] b, int i, int end, int b0, int need) {
        int n = 1;
        while (n < need && i + n < end) {
            int x = b[i + n] & 0xFF;
            int lo = 0x80;
            int hi = 0xBF;
            if (n == 1) { // the second byte's range excludes overlongs, surrogates and values past U+10FFFF
                if (b0 == 0xE0) {
                    lo = 0xA0;
                } else if (b0 == 0xED) {
                    hi = 0x9F;
                } else if (b0 == 0xF0) {
                    lo = 0x90;
                } else if (b0 == 0xF4) {
                    hi = 0x8F;
                }
            }
            if (x < lo || x > hi) {
                break;
            }
            n++;
        }
        return n;
    }
}
