package dev.dycoke4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Lossy UTF-8 decoding (maximal subparts, as Rust's from_utf8_lossy) and the byte-level alphabet. */
class Utf8Test {
    private static String decode(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return Utf8.decodeLossy(b, 0, b.length);
    }

    private static int tail(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return Utf8.incompleteTailStart(b, b.length);
    }

    @Test
    void wellFormed() {
        assertEquals("aé€😀", decode('a', 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80));
    }

    @Test
    void illFormedBecomesOneReplacementPerMaximalSubpart() {
        assertEquals("\uFFFDA", decode(0xE2, 0x82, 'A'));
        assertEquals("\uFFFD\uFFFD\uFFFD", decode(0xED, 0xA0, 0x80)); // a surrogate
        assertEquals("\uFFFD\uFFFD", decode(0xC0, 0xAF)); // overlong
        assertEquals("\uFFFD\uFFFD\uFFFD\uFFFD", decode(0xF4, 0x90, 0x80, 0x80)); // past U+10FFFF
        assertEquals("\uFFFD", decode(0xF0, 0x9F, 0x98));
        assertEquals("\uFFFDx\uFFFD", decode(0x80, 'x', 0xFF));
        assertEquals("\uFFFD\uFFFD", decode(0xE0, 0x80));
    }

    @Test
    void unfinishedTail() {
        assertEquals(1, tail('a', 0xF0, 0x9F, 0x98));
        assertEquals(1, tail('a', 0xE2));
        assertEquals(4, tail('a', 0xE2, 0x82, 0xAC)); // complete
        assertEquals(3, tail('a', 0xE0, 0x80)); // E0 80 can never complete: nothing to hold back
        assertEquals(3, tail('a', 0x80, 0x80)); // stray continuation bytes
        assertEquals(0, tail(0xC3));
        assertEquals(0, tail());
    }

    @Test
    void byteLevelAlphabet() {
        assertEquals('Ġ', ByteLevel.charOf(' '));
        assertEquals('Ċ', ByteLevel.charOf('\n'));
        assertEquals('!', ByteLevel.charOf('!'));
        assertEquals('Ā', ByteLevel.charOf(0));
        assertEquals("Ġhello", ByteLevel.toChars(" hello".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, 6));
        assertEquals(" é", new String(ByteLevel.tokenBytes("ĠÃ©"), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("<think>", new String(ByteLevel.tokenBytes("<think>"), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("日本", new String(ByteLevel.tokenBytes("日本"), java.nio.charset.StandardCharsets.UTF_8));
    }
}
